import type { Caller } from '../auth/verifier';
import { type Clock, systemClock } from '../clock';
import { nowSeconds } from '../data/dynamo';
import {
  isToolgateError,
  NotFoundError,
  RateLimitedError,
  ServiceUnavailableError,
  UnprocessableError,
} from '../errors';
import type { QueuedJobLimits } from '../limits/jobs';
import type { ChatQuota, PlanLookup } from '../limits/rate-limiter';
import type { IdempotencyStore } from './aws/idempotency';
import type { JobQueue } from './aws/queue';
import type { JobsRepository } from './aws/repository';
import type { ResultStore } from './aws/results';
import type { JobSlots } from './aws/slots';
import type { JobsConfig } from './config';
import type { JobFinalizer } from './finalize';
import type { JobRecord } from './record';
import {
  isTerminal,
  type Job,
  type JobListQuery,
  type JobPage,
  type JobRequest,
  type JobSummary,
  requestHash,
} from './schema';

/** A QUEUED job not yet marked as sent is left to the request creating it for this long before a replay re-sends. */
export const RESEND_GRACE_MS = 10_000;
/** A QUEUED job never marked as sent after this long was lost between its write and its SendMessage. */
export const UNSENT_TIMEOUT_MS = 5 * 60_000;
/** A slot whose job cannot be found after this long was claimed by a request that never wrote its job. */
const ORPHAN_SLOT_MS = 60_000;

export interface JobsServiceOptions {
  jobs: JobsRepository;
  keys: IdempotencyStore;
  slots: JobSlots;
  queue: JobQueue;
  results: ResultStore;
  users: PlanLookup;
  quota: Pick<ChatQuota, 'assertAvailable'>;
  queuedJobs: QueuedJobLimits;
  finalize: JobFinalizer;
  config: Pick<JobsConfig, 'idempotencyTtlHours' | 'resultUrlTtlSeconds' | 'retentionDays'>;
  /** The queue's redrive `maxReceiveCount`: an attempt started on that delivery was the last one. */
  maxReceiveCount: number;
  /** Errors that must not fail the request (a repair that can wait), reported for the log. */
  onError?: (message: string, error: unknown) => void;
  now?: Clock;
  newId?: () => string;
}

export interface SubmitCall {
  caller: Caller;
  /** The gateway request id of this `POST /jobs`: stored with the job and carried to its worker (correlation.ts). */
  correlationId?: string;
  request: JobRequest;
  idempotencyKey?: string;
}

export interface SubmitOutcome {
  job: Job;
  /** True when an earlier request with the same `Idempotency-Key` created the job. */
  replayed: boolean;
}

export interface JobsService {
  submit(call: SubmitCall): Promise<SubmitOutcome>;
  /** The caller's job; 404 for anyone else's, exactly as for a job that does not exist. */
  get(caller: Caller, jobId: string): Promise<Job>;
  list(caller: Caller, query: JobListQuery): Promise<JobPage>;
}

export function toJobSummary(record: JobRecord): JobSummary {
  return {
    jobId: record.jobId,
    status: record.status,
    ...(record.correlationId ? { correlationId: record.correlationId } : {}),
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
    ...(record.startedAt ? { startedAt: record.startedAt } : {}),
    ...(record.finishedAt ? { finishedAt: record.finishedAt } : {}),
    attempts: record.attempts,
    ...(record.resultRef ? { resultBytes: record.resultRef.bytes } : {}),
    ...(record.usage ? { usage: record.usage } : {}),
    ...(record.error ? { error: record.error } : {}),
    ...(record.lastError && !isTerminal(record.status) ? { lastError: record.lastError } : {}),
  };
}

export function createJobsService(options: JobsServiceOptions): JobsService {
  const {
    jobs,
    keys,
    slots,
    queue,
    results,
    users,
    quota,
    queuedJobs,
    finalize,
    config,
    maxReceiveCount,
    onError = () => undefined,
    now = systemClock,
    newId = () => crypto.randomUUID(),
  } = options;
  if (!Number.isInteger(maxReceiveCount) || maxReceiveCount < 1) throw new Error('jobs: maxReceiveCount must be ≥ 1');
  for (const [plan, cap] of Object.entries(queuedJobs)) {
    if (!Number.isInteger(cap) || cap < 1) throw new Error(`jobs: queuedJobs.${plan} must be a positive integer`);
  }
  const iso = () => new Date(now()).toISOString();
  const retainUntil = () => nowSeconds(now()) + config.retentionDays * 24 * 3600;

  /**
   * Jobs whose worker is gone for good are failed when read, so that their owner sees why and their slot frees up:
   * RUNNING past its lease when the attempt started on the queue's last delivery (SQS moves the message to the DLQ
   * instead of delivering it again), or QUEUED and never sent long after it was written.
   */
  async function settle(record: JobRecord): Promise<JobRecord> {
    const at = now();
    let settled: JobRecord | null = null;
    try {
      if (
        record.status === 'RUNNING' &&
        record.leaseUntil !== undefined &&
        record.leaseUntil < at &&
        (record.claimedReceiveCount ?? 0) >= maxReceiveCount
      ) {
        settled = await jobs.fail(
          record.jobId,
          {
            code: 'worker-lost',
            message: `The worker stopped during the last of ${maxReceiveCount} attempts; the job was not finished.`,
          },
          iso(),
          retainUntil(),
          { kind: 'abandoned', attempt: record.attempts, now: at },
        );
      } else if (
        record.status === 'QUEUED' &&
        record.attempts === 0 &&
        !record.enqueuedAt &&
        Date.parse(record.createdAt) < at - UNSENT_TIMEOUT_MS
      ) {
        settled = await jobs.fail(
          record.jobId,
          { code: 'not-queued', message: 'The job could not be queued; submit it again.' },
          iso(),
          retainUntil(),
          { kind: 'unsent', createdBefore: new Date(at - UNSENT_TIMEOUT_MS).toISOString() },
        );
      }
      if (settled) await finalize(settled);
    } catch (error) {
      onError('settling an abandoned job failed', error);
    }
    return settled ?? record;
  }

  async function view(record: JobRecord): Promise<Job> {
    const job: Job = { ...toJobSummary(record), ...(record.result ? { result: record.result } : {}) };
    if (record.status === 'SUCCEEDED' && record.resultRef) {
      const { url, expiresAt } = await results.presign(record.resultRef.key, config.resultUrlTtlSeconds);
      job.resultUrl = url;
      job.resultUrlExpiresAt = expiresAt;
    }
    return job;
  }

  /** Frees slots held by jobs that finished, were abandoned or never got written. True if any was freed. */
  async function reclaimSlots(sub: string): Promise<boolean> {
    let freed = false;
    for (const holder of await slots.holders(sub)) {
      const job = await jobs.get(holder.jobId).catch(() => null);
      if (!job) {
        if (Date.parse(holder.claimedAt) < now() - ORPHAN_SLOT_MS) {
          await slots.release(sub, holder.slot, holder.jobId);
          freed = true;
        }
        continue;
      }
      const current = isTerminal(job.status) ? job : await settle(job);
      if (isTerminal(current.status)) {
        // Releases the slot this holder has, which is not always the one the job recorded (concurrent replays).
        await finalize(current);
        await slots.release(sub, holder.slot, holder.jobId);
        freed = true;
      }
    }
    return freed;
  }

  async function admit(caller: Caller, jobId: string): Promise<number> {
    const { plan } = await users.get(caller.sub);
    await quota.assertAvailable(caller.sub, plan);
    const cap = queuedJobs[plan];
    let slot = await slots.claim(caller.sub, jobId, cap, iso());
    if (slot === null && (await reclaimSlots(caller.sub))) slot = await slots.claim(caller.sub, jobId, cap, iso());
    if (slot === null) {
      throw new RateLimitedError(
        `The ${plan} plan allows ${cap} unfinished jobs at a time; wait for one to finish.`,
        30,
        {
          extensions: { plan, limit: cap },
        },
      );
    }
    return slot;
  }

  async function send(record: JobRecord): Promise<JobRecord> {
    const { messageId } = await queue.send(record.jobId, record.correlationId);
    const at = iso();
    try {
      await jobs.markEnqueued(record.jobId, messageId, at);
    } catch (error) {
      // The message is on its way, which is what matters; the worker does not need the mark.
      onError('marking a job as sent failed', error);
    }
    return { ...record, enqueuedAt: record.enqueuedAt ?? at, messageId };
  }

  /** An existing job for a repeated key: as it is, re-sent first if its creator evidently never sent it. */
  async function replay(existing: JobRecord): Promise<SubmitOutcome> {
    let record = existing;
    if (
      record.status === 'QUEUED' &&
      record.attempts === 0 &&
      !record.enqueuedAt &&
      Date.parse(record.createdAt) < now() - RESEND_GRACE_MS
    ) {
      try {
        record = await send(record);
      } catch (error) {
        throw new ServiceUnavailableError('The job queue is unavailable; retry with the same Idempotency-Key.', 5, {
          cause: error,
        });
      }
    }
    return { job: await view(await settle(record)), replayed: true };
  }

  async function create(call: SubmitCall, jobId: string, hash: string): Promise<SubmitOutcome> {
    const { caller, request, idempotencyKey } = call;
    const slot = await admit(caller, jobId);
    const at = iso();
    const record: JobRecord = {
      jobId,
      owner: caller.sub,
      scopes: [...caller.scopes],
      clientId: caller.clientId,
      ...(call.correlationId ? { correlationId: call.correlationId } : {}),
      status: 'QUEUED',
      request,
      requestHash: hash,
      createdAt: at,
      updatedAt: at,
      attempts: 0,
      slot,
      expiresAt: retainUntil(),
      ...(idempotencyKey ? { idempotencyKey } : {}),
    };
    if (!(await jobs.create(record))) {
      // A concurrent request with the same key wrote it first: that request sends it; this one answers with it.
      const existing = await jobs.get(jobId);
      if (existing?.slot !== slot) await slots.release(caller.sub, slot, jobId);
      if (!existing) throw new ServiceUnavailableError('The job is being created by another request; retry.', 1);
      return replay(existing);
    }
    try {
      const sent = await send(record);
      return { job: await view(sent), replayed: false };
    } catch (error) {
      // Nothing may stay behind: the job is deleted and its slot freed. An `Idempotency-Key` keeps its reservation,
      // so the client's retry with the same key and body re-creates this same job id once the queue is back.
      try {
        await jobs.deleteUnsent(jobId);
        await slots.release(caller.sub, slot, jobId);
      } catch (rollbackError) {
        // Left QUEUED and unsent: a replay re-sends it, and reads fail it after UNSENT_TIMEOUT_MS.
        onError('rolling back an unsent job failed', rollbackError);
      }
      throw new ServiceUnavailableError('The job queue is unavailable; nothing was queued. Retry shortly.', 5, {
        cause: error,
      });
    }
  }

  return {
    async submit(call) {
      const hash = requestHash(call.request);
      if (!call.idempotencyKey) return create(call, newId(), hash);
      const reservation = await keys.reserve(
        call.caller.sub,
        call.idempotencyKey,
        { jobId: newId(), requestHash: hash },
        { now: now(), ttlSeconds: config.idempotencyTtlHours * 3600 },
      );
      if (reservation.requestHash !== hash) {
        throw new UnprocessableError('This Idempotency-Key was already used with a different request body.');
      }
      if (!reservation.reserved) {
        const existing = await jobs.get(reservation.jobId);
        if (existing) return replay(existing);
        // Reserved by a request that has not written the job (yet, or ever): create it, idempotently, here.
      }
      let outcome: SubmitOutcome;
      try {
        outcome = await create(call, reservation.jobId, hash);
      } catch (error) {
        // Refused before its job was written (a plan limit: 4xx): the key this request reserved goes back, so a
        // refused request leaves no write behind and the client may retry with it. Found by tests/fuzz.test.ts.
        if (reservation.reserved && isToolgateError(error) && error.status < 500) {
          await keys.release(call.caller.sub, call.idempotencyKey, reservation.jobId);
        }
        throw error;
      }
      return reservation.reserved ? outcome : { ...outcome, replayed: true };
    },

    async get(caller, jobId) {
      const record = await jobs.getOwned(caller.sub, jobId);
      if (!record) throw new NotFoundError(`No job ${jobId}.`);
      return view(await settle(record));
    },

    async list(caller, { limit, cursor }) {
      const page = await jobs.listByOwner(caller.sub, limit, cursor);
      const items = await Promise.all(page.items.map(async (record) => toJobSummary(await settle(record))));
      return { items, nextCursor: page.nextCursor };
    },
  };
}
