import { type Clock, systemClock } from '../clock';
import { ServiceUnavailableError } from '../errors';
import type { JobQueue } from './aws/queue';
import type { JobsRepository } from './aws/repository';
import type { JobsConfig } from './config';
import type { JobRecord } from './record';
import type { Job } from './schema';
import type { JobSettler } from './settle';
import { isUnsentBefore } from './unsent';
import type { JobView } from './view';

/** Sends a written job to the queue and marks it as sent (jobs/unsent.ts: the mark is what "sent" means). */
export function createJobSender(
  jobs: Pick<JobsRepository, 'markEnqueued'>,
  queue: JobQueue,
  onError: (message: string, error: unknown) => void,
  now: Clock = systemClock,
) {
  return async function send(record: JobRecord): Promise<JobRecord> {
    const { messageId } = await queue.send(record.jobId, record.correlationId);
    const at = new Date(now()).toISOString();
    try {
      await jobs.markEnqueued(record.jobId, messageId, at);
    } catch (error) {
      // The message is on its way, which is what matters; the worker does not need the mark.
      onError('marking a job as sent failed', error);
    }
    return { ...record, enqueuedAt: record.enqueuedAt ?? at, messageId };
  };
}
export type JobSender = ReturnType<typeof createJobSender>;

export interface ReplayOutcome {
  job: Job;
  replayed: true;
}

/**
 * The answer to a repeated `Idempotency-Key`: the existing job as it is now — re-sent first if it is unsent past
 * the grace its creator gets (that request evidently stopped between writing and sending it), settled if its worker
 * is gone for good.
 */
export function createJobReplayer(options: {
  send: JobSender;
  settler: Pick<JobSettler, 'settle'>;
  view: JobView;
  config: Pick<JobsConfig, 'resendGraceSeconds'>;
  now?: Clock;
}) {
  const { send, settler, view, config, now = systemClock } = options;
  return async function replay(existing: JobRecord): Promise<ReplayOutcome> {
    let record = existing;
    if (isUnsentBefore(record, new Date(now() - config.resendGraceSeconds * 1000).toISOString())) {
      try {
        record = await send(record);
      } catch (error) {
        throw new ServiceUnavailableError('The job queue is unavailable; retry with the same Idempotency-Key.', 5, {
          cause: error,
        });
      }
    }
    return { job: await view(await settler.settle(record)), replayed: true };
  };
}
export type JobReplayer = ReturnType<typeof createJobReplayer>;
