import type { HttpTier } from '@toolgate/core/manifest';

/**
 * A counting semaphore that never queues: like a Lambda function at its reserved concurrency, an invocation over
 * the limit is throttled at once.
 */
export class ConcurrencyLimiter {
  private running = 0;

  constructor(readonly limit: number) {}

  get inFlight(): number {
    return this.running;
  }

  /** A release function, or null when every slot is taken. Releasing twice is harmless. */
  tryAcquire(): (() => void) | null {
    if (this.running >= this.limit) return null;
    this.running += 1;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.running -= 1;
    };
  }
}

/**
 * One limiter per tier (reserved concurrency: a flood on one tier cannot take another tier's executions), or, with
 * `sharedPool`, one limiter for all tiers: the unreserved account pool, where a public flood starves paid traffic.
 */
export function createTierLimiters(
  budget: Record<HttpTier, number>,
  sharedPool?: number,
): (tier: HttpTier) => ConcurrencyLimiter {
  if (sharedPool !== undefined) {
    const pool = new ConcurrencyLimiter(sharedPool);
    return () => pool;
  }
  const limiters = new Map<HttpTier, ConcurrencyLimiter>();
  return (tier) => {
    let limiter = limiters.get(tier);
    if (!limiter) {
      limiter = new ConcurrencyLimiter(budget[tier]);
      limiters.set(tier, limiter);
    }
    return limiter;
  };
}
