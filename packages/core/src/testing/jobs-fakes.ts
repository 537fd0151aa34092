import type { ModelProvider, ModelRequest, ModelResponse } from '../agent/provider';
import { type Clock, epochSeconds, systemClock } from '../clock';
import { isExpired } from '../data/dynamo';
import { leaseRules } from '../data/lease';
import type { IdempotencyStore } from '../jobs/aws/idempotency';
import type { DeliveryControl, JobQueue } from '../jobs/aws/queue';
import type { JobsRepository } from '../jobs/aws/repository';
import type { ResultStore } from '../jobs/aws/results';
import { resultKey } from '../jobs/aws/results';
import type { JobSlots, SlotHolder } from '../jobs/aws/slots';
import type { JobUsageLedger } from '../jobs/aws/usage-ledger';
import type { JobRecord } from '../jobs/record';
import type { JobsService } from '../jobs/service';
import { isUnsent, isUnsentBefore } from '../jobs/unsent';

/**
 * In-memory stand-ins for the jobs adapters, for unit tests of the service and the worker (wired together in
 * jobs-harness.ts). Each write keeps the condition its DynamoDB counterpart states, from the same rules
 * (data/lease.ts, jobs/unsent.ts); tests/repositories holds both to the same cases against dynalite.
 */

const copy = <T>(value: T): T => structuredClone(value);

export function unusedJobsService(): JobsService {
  const unused = () => Promise.reject(new Error('the jobs service is not used by this test'));
  return { submit: unused, get: unused, list: unused };
}

/** `now` decides what has expired (`expiresAt`), like the real repository's clock. */
export function memoryJobsRepository(now: Clock = systemClock) {
  const items = new Map<string, JobRecord>();
  const write = (jobId: string, next: JobRecord) => {
    items.set(jobId, copy(next));
    return copy(next);
  };
  const repository: JobsRepository = {
    async create(record) {
      if (items.has(record.jobId)) return false;
      items.set(record.jobId, copy(record));
      return true;
    },
    async get(jobId) {
      const item = items.get(jobId);
      return item && !isExpired(item, now()) ? copy(item) : null;
    },
    async getOwned(owner, jobId) {
      const item = await repository.get(jobId);
      return item && item.owner === owner ? item : null;
    },
    async listByOwner(owner, limit) {
      const mine = [...items.values()]
        .filter((item) => item.owner === owner && !isExpired(item, now()))
        .sort((a, b) => (a.createdAt < b.createdAt ? 1 : -1));
      return { items: mine.slice(0, limit).map(copy), nextCursor: null };
    },
    async markEnqueued(jobId, messageId, at) {
      const item = items.get(jobId);
      if (item) write(jobId, { ...item, enqueuedAt: item.enqueuedAt ?? at, messageId });
    },
    async deleteUnsent(jobId) {
      const item = items.get(jobId);
      if (!item || !isUnsent(item)) return false;
      items.delete(jobId);
      return true;
    },
    async take(jobId, { now, at, leaseUntil, receiveCount }) {
      const item = items.get(jobId);
      if (!item) return null;
      const free = item.status === 'QUEUED' || (item.status === 'RUNNING' && leaseRules.expired(item, now));
      if (!free) return null;
      return write(jobId, {
        ...item,
        status: 'RUNNING',
        attempts: item.attempts + 1,
        leaseUntil,
        claimedReceiveCount: receiveCount,
        startedAt: item.startedAt ?? at,
        updatedAt: at,
      });
    },
    async holdsLease(jobId, attempt, now, at) {
      const item = items.get(jobId);
      if (item?.status !== 'RUNNING' || item.attempts !== attempt || !leaseRules.live(item, now)) return false;
      write(jobId, { ...item, updatedAt: at });
      return true;
    },
    async complete(jobId, attempt, { result, resultRef, usage, at, expiresAt }) {
      const item = items.get(jobId);
      if (item?.status !== 'RUNNING' || item.attempts !== attempt) return null;
      const { leaseUntil: _lease, lastError: _last, ...rest } = item;
      return write(jobId, {
        ...rest,
        status: 'SUCCEEDED',
        ...(result ? { result } : { resultRef }),
        usage,
        finishedAt: at,
        updatedAt: at,
        expiresAt,
      });
    },
    async requeue(jobId, attempt, lastError, at) {
      const item = items.get(jobId);
      if (item?.status !== 'RUNNING' || item.attempts !== attempt) return null;
      const { leaseUntil: _lease, ...rest } = item;
      return write(jobId, { ...rest, status: 'QUEUED', lastError, updatedAt: at });
    },
    async fail(jobId, error, at, expiresAt, guard) {
      const item = items.get(jobId);
      if (!item) return null;
      const allowed =
        guard.kind === 'unsent'
          ? isUnsentBefore(item, guard.createdBefore)
          : item.status === 'RUNNING' &&
            item.attempts === guard.attempt &&
            (guard.kind === 'attempt' || leaseRules.expired(item, guard.now));
      if (!allowed) return null;
      const { leaseUntil: _lease, ...rest } = item;
      return write(jobId, { ...rest, status: 'FAILED', error, finishedAt: at, updatedAt: at, expiresAt });
    },
    async failUnreadable(jobId, error, at, expiresAt) {
      const item = items.get(jobId);
      if (!item || (item.status !== 'QUEUED' && item.status !== 'RUNNING')) return false;
      write(jobId, { ...item, status: 'FAILED', error, finishedAt: at, updatedAt: at, expiresAt });
      return true;
    },
  };
  return { repository, items };
}

export function memoryIdempotencyStore(): IdempotencyStore {
  const reservations = new Map<string, { jobId: string; requestHash: string; expiresAt: number }>();
  return {
    async take(sub, key, reservation, { now, ttlSeconds }) {
      const id = `${sub}#${key}`;
      const existing = reservations.get(id);
      if (existing && !leaseRules.vacant(existing, now)) {
        return { taken: false, jobId: existing.jobId, requestHash: existing.requestHash };
      }
      reservations.set(id, { ...reservation, expiresAt: epochSeconds(now) + ttlSeconds });
      return { taken: true, ...reservation };
    },
    async release(sub, key, jobId) {
      const id = `${sub}#${key}`;
      if (reservations.get(id)?.jobId === jobId) reservations.delete(id);
    },
  };
}

export function memoryJobSlots() {
  const slots = new Map<string, SlotHolder>();
  const id = (sub: string, slot: number) => `${sub}#${slot}`;
  const api: JobSlots = {
    async holders(sub) {
      return [...slots.entries()].filter(([key]) => key.startsWith(`${sub}#`)).map(([, holder]) => ({ ...holder }));
    },
    async take(sub, jobId, cap, at) {
      const held = (await api.holders(sub)).find((holder) => holder.jobId === jobId);
      if (held) return held.slot;
      for (let slot = 0; slot < cap; slot++) {
        if (!slots.has(id(sub, slot))) {
          slots.set(id(sub, slot), { slot, jobId, claimedAt: at });
          return slot;
        }
      }
      return null;
    },
    async release(sub, slot, jobId) {
      if (slots.get(id(sub, slot))?.jobId === jobId) slots.delete(id(sub, slot));
    },
  };
  return { slots: api, held: slots };
}

export function memoryUsageLedger() {
  const records = new Map<string, { sub: string; jobId: string; inputTokens: number; outputTokens: number }>();
  const ledger: JobUsageLedger = {
    async record(sub, jobId, { usage }) {
      if (records.has(jobId)) return false;
      records.set(jobId, { sub, jobId, ...usage });
      return true;
    },
  };
  return { ledger, records };
}

/** A queue whose sends can be made to fail, and whose deliveries are valid only for handles it handed out. */
export function memoryQueue() {
  const sent: string[] = [];
  /** The `correlationId` message attribute of each send, by job id. */
  const correlation = new Map<string, string | undefined>();
  const valid = new Set<string>();
  const visibility = new Map<string, number>();
  let failing = false;
  const queue: JobQueue & DeliveryControl = {
    async send(jobId, correlationId) {
      if (failing) throw Object.assign(new Error('queue down'), { name: 'QueueDoesNotExist' });
      sent.push(jobId);
      correlation.set(jobId, correlationId);
      return { messageId: `msg-${sent.length}` };
    },
    async hold(receiptHandle, seconds) {
      if (!valid.has(receiptHandle)) return false;
      visibility.set(receiptHandle, seconds);
      return true;
    },
    async retryIn(receiptHandle, seconds) {
      visibility.set(receiptHandle, seconds);
    },
  };
  return {
    queue,
    sent,
    correlation,
    visibility,
    /** A receipt handle SQS would recognise. */
    deliver: (handle: string) => valid.add(handle),
    setFailing: (value: boolean) => {
      failing = value;
    },
  };
}

export function memoryResults() {
  const objects = new Map<string, string>();
  const store: ResultStore = {
    async put(owner, jobId, json) {
      const key = resultKey(owner, jobId);
      objects.set(key, json);
      return { key, bytes: Buffer.byteLength(json) };
    },
    async presign(key, ttlSeconds) {
      return { url: `https://results.invalid/${key}?ttl=${ttlSeconds}`, expiresAt: new Date(0).toISOString() };
    },
  };
  return { store, objects };
}

/** A model that answers from a script: `(request, call number) => response`, or throws what the script throws. */
export function scriptedModel(
  answer: (request: ModelRequest, call: number) => Pick<ModelResponse, 'message'> & Partial<ModelResponse>,
): ModelProvider & { calls: ModelRequest[] } {
  const calls: ModelRequest[] = [];
  return {
    name: 'scripted',
    modelId: 'scripted-model',
    calls,
    async converse(request) {
      calls.push(request);
      const response = answer(request, calls.length);
      return { stopReason: 'end_turn', usage: { inputTokens: 10, outputTokens: 5 }, ...response };
    },
  };
}
