import { streamRoutes } from '@toolgate/core/manifest';
import { API_EAGER_ROUTES, createApiEagerApp } from '../apps/api-eager';
import { verifier } from '../deps/auth';
import { config } from '../deps/base';
import { requireCursorSigningKey } from '../deps/cursors';
import { rateLimiter } from '../deps/limits';
import { users } from '../deps/users';
import { lambdaHandler } from '../http/lambda';
import { lambdaStreamHandler } from '../http/lambda-stream';
import { lazyApp, lazyRoutesHandler, loadOnce } from '../http/lazy-routes';
import { createTierMetrics } from '../metrics';

/** This handler's own instance: its ColdStart counts once per tier, even where tiers share a process (locally). */
const metrics = createTierMetrics(config.stage);

requireCursorSigningKey();

/** The whole tier's app, built once per instance on the first request that needs it. */
const wholeTier = loadOnce(async () => (await import('./api-routes')).createApiRoutesApp(metrics));

/**
 * The api tier behind the HTTP API (buffered answers). A cold start builds the guard, the limits and
 * `API_EAGER_ROUTES` only; any other route loads the whole tier (`api-routes.ts`) with one `import()` on its first
 * request (the lazy-routes lever: bench/RESULTS.md has the paired measurement).
 */
export const handler = lazyRoutesHandler({
  eager: API_EAGER_ROUTES,
  eagerHandler: lambdaHandler(createApiEagerApp({ verifier, users, rateLimiter, metrics })),
  load: async () => lambdaHandler(await wholeTier()),
});

/**
 * The same tier as a response-streaming handler, for the chat stream's Function URL (docs/adr/0003-streaming.md):
 * one code, one guard, its own function and reserved concurrency. Only stream routes are served there, none of
 * them eager, so the whole tier loads on the first request.
 */
export const streamHandler = lambdaStreamHandler(lazyApp(wholeTier), streamRoutes());
