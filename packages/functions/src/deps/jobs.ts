import { loadOnce, onFirstCall } from '@toolgate/core/data/on-first-call';
import { createIdempotencyStore } from '@toolgate/core/jobs/aws/idempotency';
import type { DeliveryControl, JobQueue } from '@toolgate/core/jobs/aws/queue';
import { createJobsRepository } from '@toolgate/core/jobs/aws/repository';
import type { ResultStore } from '@toolgate/core/jobs/aws/results';
import { createJobSlots } from '@toolgate/core/jobs/aws/slots';
import { createJobUsageLedger } from '@toolgate/core/jobs/aws/usage-ledger';
import { JOBS_SECTION } from '@toolgate/core/jobs/config';
import { createJobFinalizer } from '@toolgate/core/jobs/finalize';
import { createJobsService } from '@toolgate/core/jobs/service';
import { LIMITS_SECTION } from '@toolgate/core/limits/plans';
import { DEFAULT_QUEUED_JOB_LIMITS } from '@toolgate/core/limits/queued-jobs';
import { JOBS_QUEUE } from '@toolgate/core/resources';
import { createComponentLogger } from '../logging';
import { config, doc, readSection } from './base';
import { cursors } from './cursors';
import { chatQuota } from './limits';
import { modelProvider } from './model';
import { s3Client } from './storage';
import { users } from './users';

if (!config.jobsQueueUrl) {
  // Fail the init, not the first submission: a tier that cannot queue jobs must never look healthy.
  throw new Error('Configuration: the jobs queue URL is missing (link JobsQueue, or TOOLGATE_JOBS_QUEUE_URL locally)');
}

const logger = createComponentLogger('jobs');

const queueUrl = config.jobsQueueUrl;

/**
 * The SQS client, loaded on first use (`import()`): only a job submission or the worker needs it. Exported like the
 * other SDK clients in deps/, so that tests can inject faults into it (tests/faults.test.ts).
 */
export const sqsClient = loadOnce(async () => {
  const { createSqsClient } = await import('@toolgate/core/jobs/aws/queue');
  return createSqsClient({ region: config.region });
});
export const jobsQueue = onFirstCall<JobQueue & DeliveryControl>(async () => {
  const [{ createSqsJobQueue }, sqs] = await Promise.all([import('@toolgate/core/jobs/aws/queue'), sqsClient()]);
  return createSqsJobQueue(sqs, queueUrl);
}, {});
export const jobsRepository = createJobsRepository(doc, config.tableName, cursors);
export const jobSlots = createJobSlots(doc, config.tableName);
export const jobResults = onFirstCall<ResultStore>(async () => {
  const [{ createS3ResultStore }, s3] = await Promise.all([import('@toolgate/core/jobs/aws/results'), s3Client()]);
  return createS3ResultStore(s3, config.bucketName);
}, {});
export const finalizeJob = createJobFinalizer({
  slots: jobSlots,
  ledger: createJobUsageLedger(doc, config.tableName),
  quota: chatQuota,
  model: modelProvider.modelId,
});

export const jobs = createJobsService({
  jobs: jobsRepository,
  keys: createIdempotencyStore(doc, config.tableName),
  slots: jobSlots,
  queue: jobsQueue,
  results: jobResults,
  users,
  quota: chatQuota,
  queuedJobs: readSection(LIMITS_SECTION).queuedJobs ?? DEFAULT_QUEUED_JOB_LIMITS,
  finalize: finalizeJob,
  config: readSection(JOBS_SECTION),
  maxReceiveCount: JOBS_QUEUE.maxReceiveCount,
  onError: (message, error) =>
    logger.error(message, {
      error: error instanceof Error ? { name: error.name, message: error.message } : String(error),
    }),
});
