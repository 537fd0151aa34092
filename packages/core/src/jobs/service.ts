import type { Caller } from '../auth/verifier';
import { type Clock, systemClock } from '../clock';
import { NotFoundError } from '../errors';
import type { QueuedJobLimits } from '../limits/queued-jobs';
import type { ChatQuota, PlanLookup } from '../limits/rate-limiter';
import type { IdempotencyStore } from './aws/idempotency';
import type { JobQueue } from './aws/queue';
import type { JobsRepository } from './aws/repository';
import type { ResultStore } from './aws/results';
import type { JobSlots } from './aws/slots';
import type { JobsConfig } from './config';
import type { JobFinalizer } from './finalize';
import { createJobReplayer, createJobSender } from './replay';
import type { Job, JobListQuery, JobPage } from './schema';
import { createJobSettler } from './settle';
import { createJobSubmitter, type SubmitCall, type SubmitOutcome } from './submit';
import { createJobView, toJobSummary } from './view';

export type { SubmitCall, SubmitOutcome };

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
  config: Pick<
    JobsConfig,
    | 'idempotencyTtlHours'
    | 'resultUrlTtlSeconds'
    | 'retentionDays'
    | 'resendGraceSeconds'
    | 'unsentTimeoutSeconds'
    | 'orphanSlotSeconds'
  >;
  /** The queue's redrive `maxReceiveCount`: an attempt started on that delivery was the last one. */
  maxReceiveCount: number;
  /** Errors that must not fail the request (a repair that can wait), reported for the log. */
  onError?: (message: string, error: unknown) => void;
  now?: Clock;
  newId?: () => string;
}

export interface JobsService {
  submit(call: SubmitCall): Promise<SubmitOutcome>;
  /** The caller's job; 404 for anyone else's, exactly as for a job that does not exist. */
  get(caller: Caller, jobId: string): Promise<Job>;
  list(caller: Caller, query: JobListQuery): Promise<JobPage>;
}

/**
 * The jobs API: `submit` (jobs/submit.ts, with replays of a repeated key in jobs/replay.ts) and the owner's reads,
 * which settle jobs whose worker is gone for good (jobs/settle.ts) before answering.
 */
export function createJobsService(options: JobsServiceOptions): JobsService {
  const { jobs, slots, queue, results, finalize, config, maxReceiveCount, now = systemClock } = options;
  const onError = options.onError ?? (() => undefined);
  if (!Number.isInteger(maxReceiveCount) || maxReceiveCount < 1) throw new Error('jobs: maxReceiveCount must be ≥ 1');
  const view = createJobView(results, config);
  const settler = createJobSettler({ jobs, slots, finalize, config, maxReceiveCount, onError, now });
  const send = createJobSender(jobs, queue, onError, now);
  const replay = createJobReplayer({ send, settler, view, config, now });
  const submit = createJobSubmitter({ ...options, onError, now, send, replay, settler, view });

  return {
    submit,

    async get(caller, jobId) {
      const record = await jobs.getOwned(caller.sub, jobId);
      if (!record) throw new NotFoundError(`No job ${jobId}.`);
      return view(await settler.settle(record));
    },

    async list(caller, { limit, cursor }) {
      const page = await jobs.listByOwner(caller.sub, limit, cursor);
      const items = await Promise.all(page.items.map(async (record) => toJobSummary(await settler.settle(record))));
      return { items, nextCursor: page.nextCursor };
    },
  };
}
