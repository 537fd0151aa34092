import { templatePattern } from '@toolgate/core/manifest';

/**
 * Where a route's path starts in a payload-v2 event. API Gateway sends the path as the client requested it in
 * `rawPath` (and `requestContext.http.path`): on the execute-api URL of a named stage it starts with `/{stage}`
 * (`/prod/me`), and through a custom domain it starts with the API mapping's path (`/v1/me`, stage not in it). The
 * route it matched after removing that prefix is in `routeKey` (`GET /me`). Every tier's adapter (`lambda.ts`) hands
 * the app the path without the prefix, so that one manifest serves every stage and mapping.
 */
export interface RoutePath {
  /** The path the routes see. */
  path: string;
  /** What was removed in front of it (`/prod`, `/v1`), '' when nothing. */
  prefix: string;
}

interface PathEvent {
  rawPath?: unknown;
  routeKey?: unknown;
  requestContext?: { routeKey?: unknown; stage?: unknown; http?: { method?: unknown } };
}

const ROUTE_KEY = /^([A-Z]+) (\/\S*)$/;

/**
 * The route's path, found from the event alone:
 * - with a route key naming a route (`GET /catalog/{id}`) of the request's method, the shortest tail of `rawPath`,
 *   cut at a segment boundary, that the route's template matches. The prefix cannot be told from the stage alone:
 *   a mapping's path is not in the event, and a `$default` stage is not in the path.
 * - with the `$default` route key (a catch-all route), the stage name when `rawPath` starts with it.
 * Otherwise `rawPath` unchanged. A forged event gains nothing: the guard and the routes both see the path returned
 * here, and a route's auth follows the path, never the route key.
 */
export function routePathOf(event: PathEvent): RoutePath | null {
  const { rawPath } = event;
  if (typeof rawPath !== 'string' || !rawPath.startsWith('/')) return null;
  const context = event.requestContext ?? {};
  const routeKey = typeof event.routeKey === 'string' ? event.routeKey : context.routeKey;
  const keyed = typeof routeKey === 'string' ? ROUTE_KEY.exec(routeKey) : null;
  const method = typeof context.http?.method === 'string' ? context.http.method.toUpperCase() : undefined;

  if (keyed?.[1] && keyed[2] && (keyed[1] === method || keyed[1] === 'ANY')) {
    const { pattern } = templatePattern(keyed[2]);
    const segments = rawPath.split('/').slice(1);
    for (let cut = 0; cut < segments.length; cut++) {
      const path = `/${segments.slice(cut).join('/')}`;
      if (pattern.test(path)) return { path, prefix: rawPath.slice(0, rawPath.length - path.length) };
    }
    return { path: rawPath, prefix: '' };
  }

  const { stage } = context;
  if (routeKey === '$default' && typeof stage === 'string' && stage !== '$default' && stage !== '') {
    const prefix = `/${stage}`;
    if (rawPath === prefix) return { path: '/', prefix };
    if (rawPath.startsWith(`${prefix}/`)) return { path: rawPath.slice(prefix.length), prefix };
  }
  return { path: rawPath, prefix: '' };
}
