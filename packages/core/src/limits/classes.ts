import type { RateClass, RouteSpec } from '../manifest/types';

/**
 * The per-plan rate class of a route: every `api` (jwt) route has one (`standard` unless its manifest entry says
 * otherwise), other tiers have none (public routes are limited per IP, webhooks by their sender's signature).
 */
export function rateClassOf(route: RouteSpec): RateClass | null {
  return route.tier === 'api' ? (route.rateClass ?? 'standard') : null;
}
