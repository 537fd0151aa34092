import { type HttpTier, routesOfTier } from '@toolgate/core/manifest';
import { Hono } from 'hono';
import type { TierLogger } from '../logging';
import type { TierMetrics } from '../metrics';
import { createGuard, type GuardOptions } from './guard';
import { notFound, onError } from './problem';
import type { AppEnv } from './types';

export interface TierAppOptions extends Omit<GuardOptions, 'tier' | 'routes'> {
  logger: TierLogger;
  /** The tier's metrics (its ColdStart is counted here); none when absent (tests of other concerns). */
  metrics?: TierMetrics | undefined;
}

/**
 * A tier's Hono app, with everything every route needs already in place, in order: request id + structured
 * access log, security headers, the manifest guard, then the routes the caller mounts. Errors anywhere become
 * problem+json in `onError`.
 */
export function createTierApp(tier: HttpTier, options: TierAppOptions): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const { logger, metrics } = options;

  app.use('*', async (c, next) => {
    metrics?.coldStart(c.env?.lambdaContext?.functionName);
    const requestId =
      c.env?.event?.requestContext && 'requestId' in c.env.event.requestContext
        ? String(c.env.event.requestContext.requestId)
        : crypto.randomUUID();
    c.set('requestId', requestId);
    // A child per request (TierLogger.forInvocation): a shared logger's keys would mislabel overlapping requests.
    // The request's own gateway request id is its correlation id; work it starts carries it on (see correlation.ts).
    const log = logger.forInvocation(c.env?.lambdaContext, { requestId, correlation_id: requestId });
    c.set('logger', log);
    const started = performance.now();
    try {
      await next();
    } finally {
      // Never log headers, query strings or bodies: they may carry tokens or personal data.
      log.info('request', {
        requestId,
        tier,
        method: c.req.method,
        route: c.get('route')?.path ?? null,
        status: c.res.status,
        latencyMs: Math.round((performance.now() - started) * 100) / 100,
      });
    }
  });

  app.use('*', async (c, next) => {
    await next();
    c.header('X-Content-Type-Options', 'nosniff');
    // A response to a bearer token is that caller's alone: no shared or browser cache may keep it, whatever the
    // route set (routes may say `private, no-store`; anything without `no-store` becomes `no-store`).
    if (c.get('route')?.auth.kind === 'jwt' && !/\bno-store\b/i.test(c.res.headers.get('cache-control') ?? '')) {
      c.header('Cache-Control', 'no-store');
    }
  });

  app.use('*', createGuard({ tier, routes: routesOfTier(tier), ...options }));
  app.onError(onError);
  app.notFound(notFound);
  return app;
}
