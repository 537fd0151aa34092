import type { ResultStore } from './aws/results';
import type { JobsConfig } from './config';
import type { JobRecord } from './record';
import { isTerminal, type Job, type JobSummary } from './schema';

/** A job as its owner sees it in a list: no result, no internal fields. */
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

/** The job resource: the summary, and the result inline or as a presigned URL of its S3 object. */
export function createJobView(results: ResultStore, config: Pick<JobsConfig, 'resultUrlTtlSeconds'>) {
  return async function view(record: JobRecord): Promise<Job> {
    const job: Job = { ...toJobSummary(record), ...(record.result ? { result: record.result } : {}) };
    if (record.status === 'SUCCEEDED' && record.resultRef) {
      const { url, expiresAt } = await results.presign(record.resultRef.key, config.resultUrlTtlSeconds);
      job.resultUrl = url;
      job.resultUrlExpiresAt = expiresAt;
    }
    return job;
  };
}
export type JobView = ReturnType<typeof createJobView>;
