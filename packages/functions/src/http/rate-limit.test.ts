import { RateLimitedError } from '@toolgate/core/errors';
import { createClientBuckets } from '@toolgate/core/limits/client-buckets';
import type { PlanRateLimiter } from '@toolgate/core/limits/rate-limiter';
import { type RouteSpec, routesOfTier } from '@toolgate/core/manifest';
import { ALL_SCOPES } from '@toolgate/core/scopes';
import { recordingMetrics } from '@toolgate/core/testing/metrics';
import { handle } from 'hono/aws-lambda';
import { describe, expect, it } from 'vitest';
import { createPublicApp } from '../apps/public';
import { createAgentTestApp } from '../testing/agent-app';
import { apiGatewayEvent, lambdaContext } from '../testing/events';
import { planRateLimit } from './rate-limit';

const samplePath = (route: RouteSpec) =>
  route.path.replace(/\{[^}]+\}/g, (name) => (name === '{id}' ? '0b5c1d4e-8a9f-4c2b-9d3e-1f2a3b4c5d6e' : 'sample'));

describe('per-plan limits cover every jwt route', () => {
  const refusing: PlanRateLimiter = {
    check: async (_sub, rateClass) => {
      throw new RateLimitedError(`limit of ${rateClass}`, 30, { headers: { 'RateLimit-Remaining': '0' } });
    },
  };
  const { app } = createAgentTestApp({
    callers: { 'all.scopes.x': { sub: 'alice', scopes: ALL_SCOPES, clientId: 'c' } },
    limiter: refusing,
  });

  it.each(routesOfTier('api').map((route) => [`${route.method} ${route.path}`, route] as const))(
    '%s answers 429 when the limiter refuses, before its handler runs',
    async (_key, route) => {
      const response = await app.request(samplePath(route), {
        method: route.method,
        headers: { authorization: 'Bearer all.scopes.x', 'content-type': 'application/json' },
        ...(route.method === 'POST' ? { body: '{}' } : {}),
      });
      expect(response.status).toBe(429);
      expect(response.headers.get('retry-after')).toBe('30');
      expect(response.headers.get('content-type')).toBe('application/problem+json');
    },
  );

  it('refuses to build without an explicit limiter or with a jwt route that has no valid rate class', () => {
    expect(() => planRateLimit({ routes: routesOfTier('api'), limiter: undefined as never })).toThrow(/pass a limiter/);
    const bogus = { ...routesOfTier('api')[0], rateClass: 'unlimited' } as unknown as RouteSpec;
    expect(() => planRateLimit({ routes: [bogus], limiter: refusing })).toThrow(/no valid rate class/);
  });

  it('does not count requests the guard refused (no token: 401, no write)', async () => {
    let checks = 0;
    const counting = createAgentTestApp({
      callers: {},
      limiter: {
        check: async () => {
          checks++;
          throw new Error('not reached');
        },
      },
    });
    expect((await counting.app.request('/tools')).status).toBe(401);
    expect(checks).toBe(0);
  });
});

describe('429 metrics', () => {
  it('counts a per-plan 429 by the plan and rate class the limiter refused, and a per-IP 429 as anonymous/public', async () => {
    const metrics = { ...recordingMetrics(), coldStart: () => undefined };
    const { app } = createAgentTestApp({
      callers: { 'all.scopes.x': { sub: 'alice', scopes: ALL_SCOPES, clientId: 'c' } },
      limiter: {
        check: async (_sub, rateClass) => {
          throw new RateLimitedError('no', 30, { extensions: { plan: 'pro', rateClass } });
        },
      },
      metrics,
    });
    const headers = { authorization: 'Bearer all.scopes.x', 'content-type': 'application/json' };
    expect((await app.request('/tools', { headers })).status).toBe(429);
    expect((await app.request('/chat', { method: 'POST', headers, body: '{}' })).status).toBe(429);
    const handler = handle(
      createPublicApp({
        catalog: { get: async () => null, list: async () => ({ items: [], nextCursor: null }) },
        clientBuckets: createClientBuckets({ burst: 1, refillPerSecond: 0.001, maxTrackedClients: 10 }),
        metrics,
      }),
    );
    await handler(apiGatewayEvent('GET', '/health'), lambdaContext());
    expect((await handler(apiGatewayEvent('GET', '/health'), lambdaContext())).statusCode).toBe(429);
    expect(metrics.records).toEqual([
      { name: 'RateLimited', value: 1, dimensions: { plan: 'pro', rateClass: 'standard' } },
      { name: 'RateLimited', value: 1, dimensions: { plan: 'pro', rateClass: 'chat' } },
      { name: 'RateLimited', value: 1, dimensions: { plan: 'anonymous', rateClass: 'public' } },
    ]);
  });
});

describe('per-IP buckets cover every public route', () => {
  const catalog = { get: async () => null, list: async () => ({ items: [], nextCursor: null }) };

  it.each(routesOfTier('public').map((route) => [`${route.method} ${route.path}`, route] as const))(
    '%s answers 429 once the address has spent its burst',
    async (_key, route) => {
      const handler = handle(
        createPublicApp({
          catalog,
          clientBuckets: createClientBuckets({ burst: 1, refillPerSecond: 0.001, maxTrackedClients: 10 }),
        }),
      );
      const path = samplePath(route);
      const first = await handler(apiGatewayEvent(route.method, path), lambdaContext());
      expect(first.statusCode).not.toBe(429);
      const second = await handler(apiGatewayEvent(route.method, path), lambdaContext());
      expect(second.statusCode).toBe(429);
      expect(Number(second.headers?.['retry-after'])).toBeGreaterThan(0);
    },
  );

  it('keys buckets by the gateway-reported source IP, never X-Forwarded-For', async () => {
    const handler = handle(
      createPublicApp({
        catalog,
        clientBuckets: createClientBuckets({ burst: 1, refillPerSecond: 0.001, maxTrackedClients: 10 }),
      }),
    );
    const event = (forwardedFor: string) =>
      apiGatewayEvent('GET', '/health', { headers: { 'x-forwarded-for': forwardedFor } });
    expect((await handler(event('1.1.1.1'), lambdaContext())).statusCode).toBe(200);
    expect((await handler(event('2.2.2.2'), lambdaContext())).statusCode).toBe(429);
  });
});
