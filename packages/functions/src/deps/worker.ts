import { queueNameOfUrl } from '@toolgate/core/jobs/aws/queue';
import { JOBS_SECTION } from '@toolgate/core/jobs/config';
import { createJobWorker } from '@toolgate/core/jobs/worker';
import { JOBS_QUEUE } from '@toolgate/core/resources';
import { config, readSection } from './base';
import { finalizeJob, jobResults, jobsQueue, jobsRepository } from './jobs';
import { metrics } from './metrics';
import { modelProvider } from './model';
import { tools } from './tools';

/** The name of the queue this worker consumes: records from any other event source are not its business. */
export const jobsQueueName = queueNameOfUrl(config.jobsQueueUrl ?? '');

export const jobWorker = createJobWorker({
  jobs: jobsRepository,
  delivery: jobsQueue,
  results: jobResults,
  finalize: finalizeJob,
  provider: modelProvider,
  registry: tools,
  config: readSection(JOBS_SECTION),
  maxReceiveCount: JOBS_QUEUE.maxReceiveCount,
  metrics,
});
