import { anyOf, attributeAbsent, type Condition, condition, equals, itemAbsent } from './conditional';
import { nowSeconds } from './dynamo';

/**
 * The one lease protocol of the single table. A lease is a claim on one item that a conditional write takes, that
 * names its holder (a token, an attempt number, a job id) and, while it lasts, keeps every other claimant out:
 *
 * - **take**: a conditional write whose condition says the item is free: `vacant` (never written, or past its TTL)
 *   or held by a lease that `expired` — plus whatever the item's own state requires;
 * - **hold**: every later write of the holder is conditioned on `heldBy` (fencing: a holder that lost the lease can
 *   no longer write), and on `live` where the holder's deadline matters;
 * - **give back**: a write (often a delete) conditioned on `heldBy`, so that only the holder can release it.
 *
 * The lease's end is `leaseUntil`, epoch milliseconds from the caller's clock. Jobs (the worker's attempt),
 * the Stripe event ledger (one delivery's processing) and `Idempotency-Key` reservations (the key's job, until the
 * reservation's TTL) all follow it; job slots are leases without an end (released when their job finishes).
 */
export const LEASE_UNTIL = 'leaseUntil';

/** The attribute a lease-taking write sets. */
export function leaseUntil(until: number): { [LEASE_UNTIL]: number } {
  return { [LEASE_UNTIL]: until };
}

/**
 * The item's lease ran out before `now` (its holder crashed or timed out). A claimed item without a lease end (the
 * Stripe ledger before it had one) counts as expired too, so that nothing stays claimed for ever.
 */
export function expired(now: number): Condition {
  return anyOf(attributeAbsent(LEASE_UNTIL), condition('#leaseUntil < :leaseNow', leaseNames, { ':leaseNow': now }));
}

/** The lease still runs at `now`. */
export function live(now: number): Condition {
  return condition('#leaseUntil > :leaseNow', leaseNames, { ':leaseNow': now });
}

/** The holder recorded in `attribute` is still `holder`. */
export function heldBy(attribute: string, holder: string | number): Condition {
  return equals(attribute, holder, 'holder');
}

/**
 * Nothing holds the item: it was never written, or its TTL (`expiresAt`, epoch seconds) has passed — DynamoDB deletes
 * expired items up to ~48 h late, and dynalite never, so an expired item counts as absent.
 */
export function vacant(now: number): Condition {
  return anyOf(
    itemAbsent,
    condition('#expiresAt <= :ttlNow', { '#expiresAt': 'expiresAt' }, { ':ttlNow': nowSeconds(now) }),
  );
}

/** In-memory mirrors of the same conditions, for the fakes (the contract tests hold both to the same cases). */
export const leaseRules = {
  expired: (item: { leaseUntil?: number | undefined }, now: number) =>
    item.leaseUntil === undefined || item.leaseUntil < now,
  live: (item: { leaseUntil?: number | undefined }, now: number) =>
    item.leaseUntil !== undefined && item.leaseUntil > now,
  vacant: (item: { expiresAt?: unknown } | undefined, now: number) =>
    item === undefined || (typeof item.expiresAt === 'number' && item.expiresAt <= nowSeconds(now)),
};

const leaseNames = { '#leaseUntil': LEASE_UNTIL };
