import { scope } from '../scopes';
import type { RouteSpec } from './types';

/**
 * THE route manifest: every route toolgate serves, with its tier and its auth. Infra creates one gateway route
 * per entry, the local gateway routes by it, and each tier's Lambda guard enforces it. A route that is not here
 * does not exist (the guard answers 404), and a policy test fails if any tier serves one anyway.
 */
export const routes = {
  health: {
    method: 'GET',
    path: '/health',
    tier: 'public',
    auth: { kind: 'public', reason: 'Liveness probe for load balancers and uptime checks; reveals nothing.' },
    summary: 'Liveness check',
  },
  catalogList: {
    method: 'GET',
    path: '/catalog',
    tier: 'public',
    auth: { kind: 'public', reason: 'The product catalog is public marketing data, cached by the CDN.' },
    summary: 'Search and page through the product catalog',
  },
  catalogGet: {
    method: 'GET',
    path: '/catalog/{id}',
    tier: 'public',
    auth: { kind: 'public', reason: 'The product catalog is public marketing data, cached by the CDN.' },
    summary: 'One catalog product',
  },
  me: {
    method: 'GET',
    path: '/me',
    tier: 'api',
    auth: { kind: 'jwt', scopes: [scope('profile')] },
    summary: "The caller's identity, plan and granted scopes",
  },
} as const satisfies Record<string, RouteSpec>;

export type RouteId = keyof typeof routes;
