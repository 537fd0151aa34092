import { allOf, attributeAbsent, type Condition, condition, equals } from '../data/conditional';
import type { JobRecord } from './record';

/**
 * The "unsent" rule, stated once: a job is unsent while it is QUEUED, was never started, and was never marked as
 * sent — its SendMessage failed, or the request creating it stopped between the write and the send. Such a job
 * may be deleted (the rollback of a failed send), re-sent by a replay of its `Idempotency-Key`, or failed as
 * `not-queued` once it is too old to be still on its way. The two forms below are one rule: the repository's
 * conditional writes use `UNSENT`, the service and the in-memory fake `isUnsent` (the repository contract tests
 * run the same cases against both).
 */
export const UNSENT: Condition = allOf(
  equals('status', 'QUEUED', 'queued'),
  equals('attempts', 0, 'zero'),
  attributeAbsent('enqueuedAt'),
);

export function isUnsent(record: Pick<JobRecord, 'status' | 'attempts' | 'enqueuedAt'>): boolean {
  return record.status === 'QUEUED' && record.attempts === 0 && !record.enqueuedAt;
}

/** Unsent, and written before `createdBefore` (ISO): older than whatever grace the caller allows. */
export function unsentBefore(createdBefore: string): Condition {
  return allOf(
    UNSENT,
    condition('#createdAt < :createdBefore', { '#createdAt': 'createdAt' }, { ':createdBefore': createdBefore }),
  );
}

export function isUnsentBefore(record: JobRecord, createdBefore: string): boolean {
  return isUnsent(record) && record.createdAt < createdBefore;
}
