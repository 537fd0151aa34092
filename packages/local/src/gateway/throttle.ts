import type { GatewayThrottling, Throttle } from '@toolgate/core/concurrency';
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
 * Stage throttling for every request plus a tighter bucket per public route (API Gateway route settings are per
 * route), so anonymous traffic alone cannot use the stage's whole allowance.
 */
export class GatewayThrottle {
  private readonly stage: TokenBucket;
  private readonly routes = new Map<string, TokenBucket>();

  constructor(
    private readonly config: GatewayThrottling,
    private readonly now?: () => number,
  ) {
    this.stage = new TokenBucket(config.stage, now);
  }

  private routeBucket(route: RouteSpec): TokenBucket | null {
    if (route.tier !== 'public') return null;
    const key = routeKey(route);
    let bucket = this.routes.get(key);
    if (!bucket) {
      bucket = new TokenBucket(this.config.publicRoutes, this.now);
      this.routes.set(key, bucket);
    }
    return bucket;
  }

  /** Spends a token from every bucket that applies, or none when any of them is empty. */
  admit(route: RouteSpec | null): boolean {
    const buckets = [this.stage, ...(route ? [this.routeBucket(route)] : [])].filter(
      (bucket): bucket is TokenBucket => bucket !== null,
    );
    if (!buckets.every((bucket) => bucket.canTake())) return false;
    for (const bucket of buckets) bucket.take();
    return true;
  }
}
