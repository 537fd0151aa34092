import type { SQSClient } from '@aws-sdk/client-sqs';
import { type JobsPoller, type SqsHandler, startJobsPoller } from './poller';

/** How the local runtime plays the jobs queue's event source mapping. Defaults are the deployed values. */
export interface LocalJobsSettings {
  /** The jobs queue's visibility timeout (default JOBS_QUEUE's): tests use seconds, to see redeliveries quickly. */
  visibilityTimeoutSeconds?: number;
  /** The worker function's timeout (default WORKER_TIMEOUT_SECONDS); must not exceed the visibility timeout. */
  workerTimeoutMs?: number;
  batchSize?: number;
  batchWindowMs?: number;
  waitTimeSeconds?: number;
  pollIntervalMs?: number;
  /** The worker's reserved concurrency (default: the concurrency budget's `worker`). */
  concurrency?: number;
  /** Start with the poller paused (`runtime.jobs.resume()` starts it). */
  paused?: boolean;
}

export interface LocalJobsInput {
  sqs: SQSClient;
  queueUrl: string;
  handler: SqsHandler;
  region: string;
  accountId: string;
  settings?: LocalJobsSettings;
  quiet?: boolean;
}

export function startLocalJobs(input: LocalJobsInput): Promise<JobsPoller> {
  const { settings = {} } = input;
  return startJobsPoller({
    sqs: input.sqs,
    queueUrl: input.queueUrl,
    handler: input.handler,
    region: input.region,
    accountId: input.accountId,
    ...(settings.workerTimeoutMs !== undefined ? { timeoutMs: settings.workerTimeoutMs } : {}),
    ...(settings.batchSize !== undefined ? { batchSize: settings.batchSize } : {}),
    ...(settings.batchWindowMs !== undefined ? { batchWindowMs: settings.batchWindowMs } : {}),
    ...(settings.waitTimeSeconds !== undefined ? { waitTimeSeconds: settings.waitTimeSeconds } : {}),
    ...(settings.pollIntervalMs !== undefined ? { pollIntervalMs: settings.pollIntervalMs } : {}),
    ...(settings.concurrency !== undefined ? { concurrency: settings.concurrency } : {}),
    ...(settings.paused !== undefined ? { paused: settings.paused } : {}),
    onError: (message, error) => {
      if (input.quiet) return;
      process.stderr.write(`${message}${error instanceof Error ? `: ${error.message}` : ''}\n`);
    },
  });
}
