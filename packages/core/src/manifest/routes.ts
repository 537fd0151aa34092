import { agentRoutes } from './agents';
import { billingRoutes } from './billing';
import { foundationRoutes } from './foundation';
import { jobRoutes } from './jobs';
import type { RouteSpec } from './types';
import { uploadRoutes } from './uploads';

/**
 * THE route manifest: every route toolgate serves, with its tier and its auth. Infra creates one gateway route
 * per entry, the local gateway routes by it, and each tier's Lambda guard enforces it. A route that is not here
 * does not exist (the guard answers 404), and a policy test fails if any tier serves one anyway.
 *
 * Each feature declares its routes in its own file (typed `satisfies Record<string, RouteSpec>`) and is spread in
 * here, so the whole table stays one typed object.
 */
export const routes = {
  ...foundationRoutes,
  ...agentRoutes,
  ...billingRoutes,
  ...uploadRoutes,
  ...jobRoutes,
} as const satisfies Record<string, RouteSpec>;

export type RouteId = keyof typeof routes;
