import type { ModelProvider } from '../agent/provider';
import { createDevProvider } from '../agent/providers/dev';
import { catalogTools } from '../catalog/tools';
import type { Clock } from '../clock';
import { type JobsConfig, JobsConfigSchema } from '../jobs/config';
import { createJobFinalizer } from '../jobs/finalize';
import { createJobsService } from '../jobs/service';
import { jobTools } from '../jobs/tools';
import { createJobWorker, type JobDelivery } from '../jobs/worker';
import { DEFAULT_PLAN_LIMITS } from '../limits/plans';
import { DEFAULT_QUEUED_JOB_LIMITS, type QueuedJobLimits } from '../limits/queued-jobs';
import { createChatQuota } from '../limits/rate-limiter';
import { monthWindow } from '../limits/windows';
import type { Plan } from '../plans';
import { accountTools } from '../tools/account';
import { ToolRegistry } from '../tools/registry';
import type { UsersRepository } from '../users/aws/repository';
import { memoryCatalog, memoryUsage } from './agent-fakes';
import { manualClock } from './clock';
import {
  memoryIdempotencyStore,
  memoryJobSlots,
  memoryJobsRepository,
  memoryQueue,
  memoryResults,
  memoryUsageLedger,
} from './jobs-fakes';
import { recordingMetrics } from './metrics';

export interface JobsHarnessOptions {
  provider?: ModelProvider;
  config?: Partial<JobsConfig>;
  queuedJobs?: QueuedJobLimits;
  plans?: Record<string, Plan>;
  /** Defaults to a manual clock at a fixed instant; the harness returns it as `now`. */
  now?: Clock;
}

/** The jobs service and worker over in-memory adapters, sharing one store, with the dev model by default. */
export function jobsHarness(options: JobsHarnessOptions = {}) {
  const now = options.now ?? manualClock();
  const jobs = memoryJobsRepository(now);
  const slots = memoryJobSlots();
  const ledger = memoryUsageLedger();
  const queue = memoryQueue();
  const results = memoryResults();
  const usage = memoryUsage();
  const keys = memoryIdempotencyStore();
  const users: UsersRepository = {
    get: async (sub) => ({ sub, plan: options.plans?.[sub] ?? 'free' }),
    setPlan: () => Promise.reject(new Error('unused')),
  };
  const quota = createChatQuota({ store: usage, plans: DEFAULT_PLAN_LIMITS, now });
  const provider = options.provider ?? createDevProvider();
  const config = JobsConfigSchema.parse(options.config ?? {});
  const finalize = createJobFinalizer({
    slots: slots.slots,
    ledger: ledger.ledger,
    quota,
    model: provider.modelId,
    now,
  });
  const service = createJobsService({
    jobs: jobs.repository,
    keys,
    slots: slots.slots,
    queue: queue.queue,
    results: results.store,
    users,
    quota,
    queuedJobs: options.queuedJobs ?? DEFAULT_QUEUED_JOB_LIMITS,
    finalize,
    config,
    maxReceiveCount: 3,
    now,
  });
  const metrics = recordingMetrics();
  const registry = new ToolRegistry(
    [...catalogTools(memoryCatalog()), ...accountTools(users, quota, DEFAULT_PLAN_LIMITS), ...jobTools(service)],
    { metrics },
  );
  const worker = createJobWorker({
    jobs: jobs.repository,
    delivery: queue.queue,
    results: results.store,
    finalize,
    provider,
    registry,
    config,
    maxReceiveCount: 3,
    now,
    metrics,
  });
  let deliveries = 0;
  /** A delivery SQS would vouch for (its receipt handle is known to the queue). */
  const delivery = (jobId: string, receiveCount = 1, body = JSON.stringify({ jobId })): JobDelivery => {
    deliveries += 1;
    const receiptHandle = `receipt-${deliveries}`;
    queue.deliver(receiptHandle);
    return { messageId: `message-${deliveries}`, receiptHandle, body, receiveCount };
  };
  /** The tokens charged to `sub` this month. */
  const charged = (sub: string) => usage.tokensUsed(sub, monthWindow(now()));
  return {
    service,
    worker,
    registry,
    /** What the worker and the registry recorded. */
    metrics,
    jobs,
    slots,
    ledger,
    queue,
    results,
    usage,
    charged,
    delivery,
    config,
    provider,
    now,
  };
}
