import { DEFAULT_CONCURRENCY_BUDGET } from '../packages/core/src/concurrency';
import { JOBS_QUEUE } from '../packages/core/src/resources';
import { tierFunction } from './functions';
import { settings } from './stage';

/**
 * Long inference runs as a queued job: the HTTP API gives up after 30 s, a worker does not. A message that fails
 * `maxReceiveCount` times moves to the dead-letter queue instead of being retried forever.
 */
export const deadLetters = new sst.aws.Queue('JobsDeadLetters', {
  transform: { queue: { messageRetentionSeconds: JOBS_QUEUE.dlqRetentionSeconds } },
});

export const jobsQueue = new sst.aws.Queue('Jobs', {
  // At least 6x the worker timeout (AWS's guidance), so a message is never redelivered while still being worked on.
  visibilityTimeout: `${JOBS_QUEUE.visibilityTimeoutSeconds} seconds`,
  dlq: { queue: deadLetters.arn, retry: JOBS_QUEUE.maxReceiveCount },
  transform: { queue: { messageRetentionSeconds: JOBS_QUEUE.messageRetentionSeconds } },
});

export const jobsQueueLink = new sst.Linkable('JobsQueue', { properties: { url: jobsQueue.url } });

const worker = tierFunction('worker', { jobsQueueArn: jobsQueue.arn, link: [jobsQueueLink] });

// The worker tier's concurrency is the model concurrency budget. The event source mapping gets the same cap (AWS's
// minimum is 2): with reserved concurrency alone, SQS polling would outrun it, the extra invocations would be
// throttled and their messages would burn receive counts on the way to the dead-letter queue.
const budget = settings.reservedConcurrency === 'off' ? DEFAULT_CONCURRENCY_BUDGET : settings.reservedConcurrency;

jobsQueue.subscribe(worker.arn, {
  batch: {
    size: JOBS_QUEUE.batchSize,
    window: `${JOBS_QUEUE.batchWindowSeconds} seconds`,
    // The worker reports failed message ids; only those return to the queue, not the whole batch.
    partialResponses: true,
  },
  transform: {
    eventSourceMapping: (args) => {
      args.scalingConfig = { maximumConcurrency: Math.max(2, budget.worker) };
    },
  },
});
