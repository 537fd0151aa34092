import type { RouteSpec } from '@toolgate/core/manifest';

/** `/catalog/{id}` (API Gateway, the manifest) → `/catalog/:id` (Hono). */
export function honoPath(route: Pick<RouteSpec, 'path'>): string {
  return route.path.replace(/\{([A-Za-z][A-Za-z0-9_]*)\+?\}/g, ':$1');
}
