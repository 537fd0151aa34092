import { type Clock, systemClock } from '../clock';
import type { PublicLimits } from './plans';

export interface BucketDecision {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** Seconds until the bucket is full again. */
  resetSeconds: number;
  /** Seconds until one more request is allowed (0 when allowed). */
  retryAfterSeconds: number;
}

export interface ClientBuckets {
  take(clientKey: string): BucketDecision;
  readonly size: number;
}

interface Bucket {
  tokens: number;
  at: number;
}

/**
 * Token buckets per client (IP), held in the Lambda instance's memory: public routes must not pay a database write
 * per request, or a flood would become a write bill. The map is bounded: past `maxTrackedClients` the least
 * recently seen client is forgotten (a Map iterates in insertion order, and a hit re-inserts). Each instance keeps
 * its own buckets, so the effective limit is per instance; the gateway's route throttling and the tier's reserved
 * concurrency bound the total.
 */
export function createClientBuckets(limits: PublicLimits, now: Clock = systemClock): ClientBuckets {
  const { burst, refillPerSecond, maxTrackedClients } = limits;
  if (!Number.isInteger(burst) || burst < 1) throw new Error('client buckets: burst must be a positive integer');
  if (!(refillPerSecond > 0)) throw new Error('client buckets: refillPerSecond must be positive');
  if (!Number.isInteger(maxTrackedClients) || maxTrackedClients < 1) {
    throw new Error('client buckets: maxTrackedClients must be a positive integer');
  }
  const buckets = new Map<string, Bucket>();

  return {
    get size() {
      return buckets.size;
    },
    take(clientKey) {
      const at = now();
      const previous = buckets.get(clientKey);
      const tokens = previous
        ? Math.min(burst, previous.tokens + ((at - previous.at) / 1000) * refillPerSecond)
        : burst;
      const allowed = tokens >= 1;
      const left = allowed ? tokens - 1 : tokens;
      buckets.delete(clientKey);
      buckets.set(clientKey, { tokens: left, at });
      if (buckets.size > maxTrackedClients) {
        const oldest = buckets.keys().next().value;
        if (oldest !== undefined) buckets.delete(oldest);
      }
      return {
        allowed,
        limit: burst,
        remaining: Math.floor(left),
        resetSeconds: Math.ceil((burst - left) / refillPerSecond),
        retryAfterSeconds: allowed ? 0 : Math.max(1, Math.ceil((1 - left) / refillPerSecond)),
      };
    },
  };
}
