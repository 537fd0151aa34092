import { RouteMatcher, type RouteSpec } from '@toolgate/core/manifest';
import type { handle } from 'hono/aws-lambda';
import { methodOf } from './lambda';
import { routePathOf } from './route-path';

type LambdaHandler = ReturnType<typeof handle>;

/** What a streaming handler needs of an app: `fetch` (a Hono app is one). */
export interface Fetcher {
  fetch(request: Request, env: unknown): Response | Promise<Response>;
}

/**
 * `load()` once, shared by every caller until it settles; a failed load is forgotten, so the next request tries
 * again instead of failing forever in this instance.
 */
export function loadOnce<T>(load: () => Promise<T>): () => Promise<T> {
  let pending: Promise<T> | undefined;
  return () => {
    pending ??= load().catch((error: unknown) => {
      pending = undefined;
      throw error;
    });
    return pending;
  };
}

/**
 * The lazy-routes cold-start lever (issue 22, bench/RESULTS.md): a tier's Lambda handler that answers its `eager`
 * routes from an app built during init, and every other request from the whole tier app, loaded by one `import()` on
 * the first request that needs it. A cold start for an eager route then parses and evaluates only what that route
 * needs (the tier's guard, its limiter, the route), not the other routes' schemas, services and SDK adapters.
 *
 * Both apps are whole tier apps (`createTierApp`: the guard comes first in each), so whichever answers, the request
 * is verified and rate limited exactly once; a forged route key gains nothing: the choice follows the request's
 * method and path (the ones the app will see, stage prefix removed), and an eager app that gets a path it has no
 * route for answers the tier's own 404. The rest app serves the eager routes too: a request the choice sends there
 * is answered the same way.
 */
export function lazyRoutesHandler(options: {
  eager: readonly RouteSpec[];
  eagerHandler: LambdaHandler;
  load: () => Promise<LambdaHandler>;
}): LambdaHandler {
  const eager = new RouteMatcher(options.eager);
  const rest = loadOnce(options.load);
  return async (event, context) => {
    const method = methodOf(event);
    const path = routePathOf(event as Parameters<typeof routePathOf>[0])?.path;
    if (method && path && eager.match(method, path).matched) return options.eagerHandler(event, context);
    return (await rest())(event, context);
  };
}

/** An app loaded on its first request (`loadOnce`), for `lambdaStreamHandler`. */
export function lazyApp(load: () => Promise<Fetcher>): Fetcher {
  const app = loadOnce(load);
  return { fetch: async (request, env) => (await app()).fetch(request, env) };
}
