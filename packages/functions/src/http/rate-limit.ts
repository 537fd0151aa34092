import { RateLimitedError } from '@toolgate/core/errors';
import { rateClassOf } from '@toolgate/core/limits/classes';
import type { ClientBuckets } from '@toolgate/core/limits/client-buckets';
import { type PlanRateLimiter, rateLimitHeaders } from '@toolgate/core/limits/rate-limiter';
import { RATE_CLASSES, type RouteSpec, routeKey } from '@toolgate/core/manifest';
import type { Metrics } from '@toolgate/core/metrics/port';
import { PlanSchema } from '@toolgate/core/plans';
import type { Context, MiddlewareHandler } from 'hono';
import type { AppEnv } from './types';

export interface PlanRateLimitOptions {
  /** The tier's manifest entries: every jwt route among them is limited by its rate class. */
  routes: readonly RouteSpec[];
  /** Required when any route is jwt. `null` turns limiting off, explicitly (tests of other concerns only). */
  limiter: PlanRateLimiter | null;
  /**
   * Routes whose request can stand for several of its class, by route key (`POST /mcp`: one unit per tool call
   * in a batch). The cost is counted all or nothing before the route runs; every other route costs one.
   */
  costs?: Readonly<Record<string, (c: Context<AppEnv>) => Promise<number>>>;
  /** Counts each 429 by plan and rate class (`RateLimited`). */
  metrics?: Metrics | undefined;
}

/**
 * Per-plan request limits for authenticated routes, counted in DynamoDB per user (`sub`) and rate class. Mounted
 * tier-wide right after the guard, so a route cannot be served without passing it; the 429 carries
 * `Retry-After` and the RateLimit headers, and successful answers carry the RateLimit headers too.
 */
export function planRateLimit(options: PlanRateLimitOptions): MiddlewareHandler<AppEnv> {
  const { routes, limiter, costs = {}, metrics } = options;
  if (limiter === undefined) throw new Error('planRateLimit: pass a limiter, or null to disable limiting explicitly');
  for (const route of routes) {
    const rateClass = rateClassOf(route);
    if (route.auth.kind === 'jwt' && (rateClass === null || !RATE_CLASSES.includes(rateClass))) {
      throw new Error(`planRateLimit: ${route.method} ${route.path} has no valid rate class`);
    }
  }
  for (const key of Object.keys(costs)) {
    if (!routes.some((route) => routeKey(route) === key)) throw new Error(`planRateLimit: no route ${key} to cost`);
  }

  return async (c, next) => {
    const route = c.get('route');
    const rateClass = route ? rateClassOf(route) : null;
    if (!limiter || route?.auth.kind !== 'jwt' || rateClass === null) return next();
    const caller = c.get('caller');
    // The guard sets the caller for every jwt route before this runs; without one, refuse rather than not count.
    if (!caller) throw new Error('planRateLimit: mounted before the guard');
    const costOf = costs[routeKey(route)];
    const decision = await limiter
      .check(caller.sub, rateClass, costOf ? await costOf(c) : 1)
      .catch((error: unknown) => {
        if (error instanceof RateLimitedError) {
          const plan = PlanSchema.safeParse(error.extensions?.plan);
          if (plan.success) metrics?.record('RateLimited', 1, { plan: plan.data, rateClass });
        }
        throw error;
      });
    c.set('plan', decision.plan);
    await next();
    for (const [name, value] of Object.entries(rateLimitHeaders(decision))) c.header(name, value);
  };
}

export interface ClientRateLimitOptions {
  buckets: ClientBuckets;
  /** Counts each 429 as the `anonymous` plan's `public` class (`RateLimited`). */
  metrics?: Metrics | undefined;
}

/** The caller's IP as API Gateway saw it. Never X-Forwarded-For: any client can write that header. */
function sourceIp(c: Parameters<MiddlewareHandler<AppEnv>>[0]): string {
  const context = c.env?.event?.requestContext as { http?: { sourceIp?: unknown } } | undefined;
  const ip = context?.http?.sourceIp;
  return typeof ip === 'string' && ip.length > 0 && ip.length <= 64 ? ip : 'unknown';
}

/**
 * Per-IP token buckets for anonymous routes, in this Lambda instance's memory: no database write per public
 * request, so a flood costs compute that reserved concurrency already caps, never a write bill.
 */
export function clientRateLimit(options: ClientRateLimitOptions): MiddlewareHandler<AppEnv> {
  const { buckets, metrics } = options;
  if (!buckets) throw new Error('clientRateLimit: buckets are required');

  return async (c, next) => {
    const decision = buckets.take(sourceIp(c));
    if (!decision.allowed) {
      metrics?.record('RateLimited', 1, { plan: 'anonymous', rateClass: 'public' });
      throw new RateLimitedError('Too many requests from this address; slow down.', decision.retryAfterSeconds, {
        headers: {
          'RateLimit-Limit': String(decision.limit),
          'RateLimit-Remaining': String(decision.remaining),
          'RateLimit-Reset': String(decision.resetSeconds),
        },
      });
    }
    // Successful public answers carry no per-client headers: they are cached by the CDN and shared by every client.
    return next();
  };
}
