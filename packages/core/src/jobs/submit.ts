import type { Caller } from '../auth/verifier';
import { type Clock, systemClock } from '../clock';
import { nowSeconds } from '../data/dynamo';
import { isToolgateError, RateLimitedError, ServiceUnavailableError, UnprocessableError } from '../errors';
import type { QueuedJobLimits } from '../limits/queued-jobs';
import type { ChatQuota, PlanLookup } from '../limits/rate-limiter';
import type { IdempotencyStore } from './aws/idempotency';
import type { JobsRepository } from './aws/repository';
import type { JobSlots } from './aws/slots';
import type { JobsConfig } from './config';
import type { JobRecord } from './record';
import type { JobReplayer, JobSender } from './replay';
import { type Job, type JobRequest, requestHash } from './schema';
import type { JobSettler } from './settle';
import type { JobView } from './view';

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

export interface JobSubmitterOptions {
  jobs: Pick<JobsRepository, 'create' | 'get' | 'deleteUnsent'>;
  keys: IdempotencyStore;
  slots: JobSlots;
  users: PlanLookup;
  quota: Pick<ChatQuota, 'assertAvailable'>;
  queuedJobs: QueuedJobLimits;
  config: Pick<JobsConfig, 'idempotencyTtlHours' | 'retentionDays'>;
  send: JobSender;
  replay: JobReplayer;
  settler: Pick<JobSettler, 'reclaimSlots'>;
  view: JobView;
  onError: (message: string, error: unknown) => void;
  now?: Clock;
  newId?: () => string;
}

/**
 * `POST /jobs`: admission (plan quota and an active-job slot), the job's write, its SendMessage — rolled back when
 * the send fails — and `Idempotency-Key` reservations, whose repeats are answered by the replayer.
 */
export function createJobSubmitter(options: JobSubmitterOptions) {
  const { jobs, keys, slots, users, quota, queuedJobs, config, send, replay, settler, view, onError } = options;
  const { now = systemClock, newId = () => crypto.randomUUID() } = options;
  for (const [plan, cap] of Object.entries(queuedJobs)) {
    if (!Number.isInteger(cap) || cap < 1) throw new Error(`jobs: queuedJobs.${plan} must be a positive integer`);
  }
  const iso = () => new Date(now()).toISOString();

  async function admit(caller: Caller, jobId: string): Promise<number> {
    const { plan } = await users.get(caller.sub);
    await quota.assertAvailable(caller.sub, plan);
    const cap = queuedJobs[plan];
    let slot = await slots.take(caller.sub, jobId, cap, iso());
    if (slot === null && (await settler.reclaimSlots(caller.sub))) {
      slot = await slots.take(caller.sub, jobId, cap, iso());
    }
    if (slot === null) {
      const detail = `The ${plan} plan allows ${cap} unfinished jobs at a time; wait for one to finish.`;
      throw new RateLimitedError(detail, 30, { extensions: { plan, limit: cap } });
    }
    return slot;
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
      expiresAt: nowSeconds(now()) + config.retentionDays * 24 * 3600,
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
      return { job: await view(await send(record)), replayed: false };
    } catch (error) {
      // Nothing may stay behind: the job is deleted and its slot freed. An `Idempotency-Key` keeps its reservation,
      // so the client's retry with the same key and body re-creates this same job id once the queue is back.
      try {
        await jobs.deleteUnsent(jobId);
        await slots.release(caller.sub, slot, jobId);
      } catch (rollbackError) {
        // Left unsent: a replay re-sends it, and reads fail it after `unsentTimeoutSeconds` (jobs/settle.ts).
        onError('rolling back an unsent job failed', rollbackError);
      }
      throw new ServiceUnavailableError('The job queue is unavailable; nothing was queued. Retry shortly.', 5, {
        cause: error,
      });
    }
  }

  return async function submit(call: SubmitCall): Promise<SubmitOutcome> {
    const hash = requestHash(call.request);
    if (!call.idempotencyKey) return create(call, newId(), hash);
    const reservation = await keys.take(
      call.caller.sub,
      call.idempotencyKey,
      { jobId: newId(), requestHash: hash },
      { now: now(), ttlSeconds: config.idempotencyTtlHours * 3600 },
    );
    if (reservation.requestHash !== hash) {
      throw new UnprocessableError('This Idempotency-Key was already used with a different request body.');
    }
    if (!reservation.taken) {
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
      if (reservation.taken && isToolgateError(error) && error.status < 500) {
        await keys.release(call.caller.sub, call.idempotencyKey, reservation.jobId);
      }
      throw error;
    }
    return reservation.taken ? outcome : { ...outcome, replayed: true };
  };
}
