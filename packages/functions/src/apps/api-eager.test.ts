import { routeKey, routesOfTier } from '@toolgate/core/manifest';
import { ALL_SCOPES } from '@toolgate/core/scopes';
import { describe, expect, it } from 'vitest';
import { lambdaHandler } from '../http/lambda';
import { fakeVerifier } from '../testing/agent-app';
import { apiGatewayEvent, lambdaContext } from '../testing/events';
import { API_EAGER_ROUTES, createApiEagerApp } from './api-eager';

/**
 * `handlers/api.ts` answers `API_EAGER_ROUTES` from the eager app and sends every other request to the whole tier:
 * the list and the eager app must agree, or an eager route would get the eager app's 404 (or a route left out of
 * the list would load the whole tier for nothing).
 */
describe('the api tier eager app', () => {
  const token = 'erin.all-scopes.x';
  const handler = lambdaHandler(
    createApiEagerApp({
      verifier: fakeVerifier({ [token]: { sub: 'erin', scopes: [...ALL_SCOPES], clientId: 'c' } }),
      users: { get: async (sub) => ({ sub, plan: 'free' }), setPlan: () => Promise.reject(new Error('unused')) },
      rateLimiter: null,
    }),
  );
  const eager = new Set(API_EAGER_ROUTES.map(routeKey));

  it('serves exactly the routes of API_EAGER_ROUTES, behind the same guard', async () => {
    for (const route of routesOfTier('api')) {
      const path = route.path.replace(/\{[^}]+\}/g, 'x1');
      const answer = await handler(
        apiGatewayEvent(route.method, path, {
          routeKey: routeKey(route),
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          ...(route.method === 'GET' ? {} : { body: '{}' }),
        }),
        lambdaContext(),
      );
      // Verified and in scope either way: 200 from an eager route, the tier's 404 where the route is not mounted.
      expect([routeKey(route), answer.statusCode]).toEqual([routeKey(route), eager.has(routeKey(route)) ? 200 : 404]);
    }
    // Still the tier's guard: no token, no answer.
    const anonymous = await handler(apiGatewayEvent('GET', '/me'), lambdaContext());
    expect(anonymous.statusCode).toBe(401);
  });
});
