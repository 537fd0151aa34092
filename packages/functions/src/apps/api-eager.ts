import type { AccessTokenVerifier } from '@toolgate/core/auth/verifier';
import type { PlanRateLimiter } from '@toolgate/core/limits/rate-limiter';
import { routeKey, routes, routesOfTier } from '@toolgate/core/manifest';
import type { UsersRepository } from '@toolgate/core/users/aws/repository';
import { createTierApp } from '../http/app';
import { planRateLimit } from '../http/rate-limit';
import { createTierLogger } from '../logging';
import { mcpRequestCost } from '../mcp/batch';
import type { TierMetrics } from '../metrics';
import { mountMe } from '../routes/me';

/**
 * The routes a cold start of the api tier serves without loading the rest of the tier (the lazy-routes lever,
 * `http/lazy-routes.ts`): `GET /me`, the call a client makes when it starts a session, so the one most likely to
 * meet a new instance. Each is mounted by `createApiEagerApp` from the dependencies it lists.
 */
export const API_EAGER_ROUTES = [routes.me] as const;

/** What the guard, the limits and the eager routes need (a part of `ApiDeps`, apps/api.ts). */
export interface ApiEagerDeps {
  verifier: AccessTokenVerifier;
  users: UsersRepository;
  /** Per-plan limits for every route of the tier; `null` disables them explicitly (tests of other concerns). */
  rateLimiter: PlanRateLimiter | null;
  /** ColdStart and the per-plan 429s (the services record their own events); none when absent. */
  metrics?: TierMetrics;
}

/**
 * The same tier with only `API_EAGER_ROUTES` (same guard, same limits): what a Lambda instance builds at init, and
 * what `createApiApp` (apps/api.ts) mounts every other route on. Any other path gets the tier's 404 here;
 * `handlers/api.ts` sends those requests to the whole tier instead. This module imports nothing of the other routes,
 * so that a cold start does not load them.
 */
export function createApiEagerApp(deps: ApiEagerDeps) {
  const app = createTierApp('api', {
    logger: createTierLogger('api'),
    metrics: deps.metrics,
    verifier: deps.verifier,
    stripeSignature: null,
  });
  // Right after the guard (which createTierApp mounted) and before any route: no jwt route escapes its limit.
  app.use(
    '*',
    planRateLimit({
      routes: routesOfTier('api'),
      limiter: deps.rateLimiter,
      costs: { [routeKey(routes.mcp)]: mcpRequestCost },
      metrics: deps.metrics,
    }),
  );
  mountMe(app, deps.users);
  return app;
}
