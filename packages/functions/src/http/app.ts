import { Logger } from '@aws-lambda-powertools/logger';
import { type HttpTier, routesOfTier } from '@toolgate/core/manifest';
import { Hono } from 'hono';
import { createGuard, type GuardOptions } from './guard';
import { notFound, onError } from './problem';
import type { AppEnv } from './types';

export interface TierAppOptions extends Omit<GuardOptions, 'tier' | 'routes'> {
  logger: Logger;
}

/**
 * A tier's Hono app, with everything every route needs already in place, in order: request id + structured
 * access log, security headers, the manifest guard, then the routes the caller mounts. Errors anywhere become
 * problem+json in `onError`.
 */
export function createTierApp(tier: HttpTier, options: TierAppOptions): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const { logger } = options;

  app.use('*', async (c, next) => {
    const requestId =
      c.env?.event?.requestContext && 'requestId' in c.env.event.requestContext
        ? String(c.env.event.requestContext.requestId)
        : crypto.randomUUID();
    c.set('requestId', requestId);
    // One logger per instance (a child per request costs a Logger and a Console each time: measured by pnpm bench).
    // A Lambda instance serves one request at a time, so the correlation id is right; the local runtime runs
    // requests concurrently in one process, which is why the lines that matter also carry `requestId` themselves.
    logger.setCorrelationId(requestId);
    c.set('logger', logger);
    const log = logger;
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

export function createLogger(tier: HttpTier | 'worker' | 'steps'): Logger {
  return new Logger({ serviceName: 'toolgate', persistentKeys: { tier } });
}
