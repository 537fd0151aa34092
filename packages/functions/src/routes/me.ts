import { routes } from '@toolgate/core/manifest';
import type { UsersRepository } from '@toolgate/core/users/aws/repository';
import type { Hono } from 'hono';
import type { AppEnv } from '../http/types';
import { honoPath } from './path';

export function mountMe(app: Hono<AppEnv>, users: UsersRepository): void {
  app.get(honoPath(routes.me), async (c) => {
    // Identity comes only from the token the guard verified; the plan only from our own records.
    const caller = c.get('caller');
    // The per-plan limit already read the plan for this request; read it here only when limiting is off.
    const plan = c.get('plan') ?? (await users.get(caller.sub)).plan;
    return c.json({ sub: caller.sub, plan, scopes: caller.scopes, clientId: caller.clientId });
  });
}
