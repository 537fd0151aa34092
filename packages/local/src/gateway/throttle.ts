import type { GatewayThrottling, Throttle } from '@toolgate/core/concurrency';
import { gatewayRoute } from '@toolgate/core/deploy/gateway';
import type { RouteSpec } from '@toolgate/core/manifest';
import { routeKey } from '@toolgate/core/manifest';

/** A token bucket: `burstLimit` tokens, refilled at `rateLimit` per second (API Gateway's throttling model). */
export class TokenBucket {
  private tokens: number;
  private refilledAt: number;

  constructor(
    private readonly limit: Throttle,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.tokens = limit.burstLimit;
    this.refilledAt = now();
  }

  private refill(): void {
    const at = this.now();
    const elapsedSeconds = (at - this.refilledAt) / 1000;
    this.refilledAt = at;
    this.tokens = Math.min(this.limit.burstLimit, this.tokens + elapsedSeconds * this.limit.rateLimit);
  }

  /** True when a token is available (call `take()` to spend it). */
  canTake(): boolean {
    this.refill();
    return this.tokens >= 1;
  }

  take(): void {
    this.tokens -= 1;
  }
}

/**
 * API Gateway's model: the stage's default route throttle applies to each route on its own (one bucket per route),
 * and the route settings of the open routes replace it with a tighter one. So a flood on one route never takes
 * another route's allowance, and anonymous traffic is held to less than any authenticated route gets. Requests
 * that match no route share one bucket at the stage's limits. (AWS's account-wide limit, 10,000 rps per region
 * by default, is not modelled.)
 */
export class GatewayThrottle {
  private readonly routes = new Map<string, TokenBucket>();

  constructor(
    private readonly config: GatewayThrottling,
    private readonly now?: () => number,
  ) {}

  private bucketOf(route: RouteSpec | null): TokenBucket {
    const key = route ? routeKey(route) : '(no route)';
    let bucket = this.routes.get(key);
    if (!bucket) {
      // The same per-route throttle infra deploys (core/deploy/gateway.ts), or the stage's default.
      const limits = (route && gatewayRoute(route, this.config).throttle) || this.config.stage;
      bucket = new TokenBucket(limits, this.now);
      this.routes.set(key, bucket);
    }
    return bucket;
  }

  /** Spends a token from the route's bucket, or answers false when it is empty. */
  admit(route: RouteSpec | null): boolean {
    const bucket = this.bucketOf(route);
    if (!bucket.canTake()) return false;
    bucket.take();
    return true;
  }
}
