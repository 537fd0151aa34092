import { routes } from '@toolgate/core/manifest';
import type { UsersRepository } from '@toolgate/core/users/repository';
import type { Hono } from 'hono';
import type { AppEnv } from '../http/types';
import { honoPath } from './path';

export function mountMe(app: Hono<AppEnv>, users: UsersRepository): void {
  app.get(honoPath(routes.me), async (c) => {
    // Identity comes only from the token the guard verified; the plan only from our own records.
    const caller = c.get('caller');
    const user = await users.get(caller.sub);
    return c.json({ sub: caller.sub, plan: user.plan, scopes: caller.scopes, clientId: caller.clientId });
  });
}
