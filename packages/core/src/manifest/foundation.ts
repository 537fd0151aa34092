import { scope } from '../scopes';
import type { RouteSpec } from './types';

/** Foundation routes: health, the public catalog and the caller's own profile. */
export const foundationRoutes = {
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
    auth: {
      kind: 'public',
      reason: 'The product catalog is public marketing data; its answers are cacheable (Cache-Control, ETag).',
    },
    summary: 'Search and page through the product catalog',
  },
  catalogGet: {
    method: 'GET',
    path: '/catalog/{id}',
    tier: 'public',
    auth: {
      kind: 'public',
      reason: 'The product catalog is public marketing data; its answers are cacheable (Cache-Control, ETag).',
    },
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
