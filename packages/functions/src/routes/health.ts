import { routes } from '@toolgate/core/manifest';
import type { Hono } from 'hono';
import type { AppEnv } from '../http/types';
import { honoPath } from './path';

export function mountHealth(app: Hono<AppEnv>): void {
  app.get(honoPath(routes.health), (c) => {
    c.header('Cache-Control', 'no-store');
    return c.json({ status: 'ok' });
  });
}
