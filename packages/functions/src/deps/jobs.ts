import { Logger } from '@aws-lambda-powertools/logger';
import { createJobFinalizer } from '@toolgate/core/jobs/finalize';
import { createIdempotencyStore } from '@toolgate/core/jobs/idempotency';
import { createSqsClient, createSqsJobQueue } from '@toolgate/core/jobs/queue';
import { createJobsRepository } from '@toolgate/core/jobs/repository';
import { createS3ResultStore } from '@toolgate/core/jobs/results';
import { createJobsService } from '@toolgate/core/jobs/service';
import { createJobSlots } from '@toolgate/core/jobs/slots';
import { createJobUsageLedger } from '@toolgate/core/jobs/usage-ledger';
import { DEFAULT_QUEUED_JOB_LIMITS } from '@toolgate/core/limits/jobs';
import { JOBS_QUEUE } from '@toolgate/core/resources';
import { config, doc } from './base';
import { chatQuota } from './limits';
import { modelProvider } from './model';
import { s3 } from './storage';
import { users } from './users';

if (!config.jobsQueueUrl) {
  // Fail the init, not the first submission: a tier that cannot queue jobs must never look healthy.
  throw new Error('Configuration: the jobs queue URL is missing (link JobsQueue, or TOOLGATE_JOBS_QUEUE_URL locally)');
}

const logger = new Logger({ serviceName: 'toolgate', persistentKeys: { component: 'jobs' } });

/** Exported like the other SDK clients in deps/, so that tests can inject faults into it (tests/faults.test.ts). */
export const sqs = createSqsClient({ region: config.region });
export const jobsQueue = createSqsJobQueue(sqs, config.jobsQueueUrl);
export const jobsRepository = createJobsRepository(doc, config.tableName);
export const jobSlots = createJobSlots(doc, config.tableName);
export const jobResults = createS3ResultStore(s3, config.bucketName);
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
  queuedJobs: config.limits.queuedJobs ?? DEFAULT_QUEUED_JOB_LIMITS,
  finalize: finalizeJob,
  config: config.jobs,
  maxReceiveCount: JOBS_QUEUE.maxReceiveCount,
  onError: (message, error) =>
    logger.error(message, {
      error: error instanceof Error ? { name: error.name, message: error.message } : String(error),
    }),
});
