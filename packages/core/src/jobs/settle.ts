import { type Clock, systemClock } from '../clock';
import { nowSeconds } from '../data/dynamo';
import type { JobsRepository } from './aws/repository';
import type { JobSlots } from './aws/slots';
import type { JobsConfig } from './config';
import type { JobFinalizer } from './finalize';
import type { JobRecord } from './record';
import { isTerminal } from './schema';
import { isUnsentBefore } from './unsent';

export interface JobSettlerOptions {
  jobs: Pick<JobsRepository, 'get' | 'fail'>;
  slots: JobSlots;
  finalize: JobFinalizer;
  config: Pick<JobsConfig, 'retentionDays' | 'unsentTimeoutSeconds' | 'orphanSlotSeconds'>;
  /** The queue's redrive `maxReceiveCount`: an attempt started on that delivery was the last one. */
  maxReceiveCount: number;
  onError: (message: string, error: unknown) => void;
  now?: Clock;
}

/**
 * Settling: the one place where reading a job may write it. No worker will ever finish a job whose worker is gone
 * for good, so whoever reads it next (`GET /jobs/{id}`, the list, `job_status`, a submission short of slots) fails
 * it, so that its owner sees why and its slot frees up: RUNNING past its lease when the attempt started on the
 * queue's last delivery (SQS moves the message to the dead-letter queue instead of delivering it again), or unsent
 * (jobs/unsent.ts) long after it was written. Each write is conditional on exactly that state, so a worker that
 * does finish in the meantime wins.
 */
export function createJobSettler(options: JobSettlerOptions) {
  const { jobs, slots, finalize, config, maxReceiveCount, onError, now = systemClock } = options;
  const retainUntil = () => nowSeconds(now()) + config.retentionDays * 24 * 3600;

  function failAbandoned(record: JobRecord, at: number): Promise<JobRecord | null> | null {
    const iso = new Date(at).toISOString();
    const workerLost =
      record.status === 'RUNNING' &&
      record.leaseUntil !== undefined &&
      record.leaseUntil < at &&
      (record.claimedReceiveCount ?? 0) >= maxReceiveCount;
    if (workerLost) {
      const message = `The worker stopped during the last of ${maxReceiveCount} attempts; the job was not finished.`;
      return jobs.fail(record.jobId, { code: 'worker-lost', message }, iso, retainUntil(), {
        kind: 'abandoned',
        attempt: record.attempts,
        now: at,
      });
    }
    const createdBefore = new Date(at - config.unsentTimeoutSeconds * 1000).toISOString();
    if (isUnsentBefore(record, createdBefore)) {
      const error = { code: 'not-queued', message: 'The job could not be queued; submit it again.' };
      return jobs.fail(record.jobId, error, iso, retainUntil(), { kind: 'unsent', createdBefore });
    }
    return null;
  }

  /** The job as it is, or failed if its worker is gone for good. A failure to settle is reported, not thrown. */
  async function settle(record: JobRecord): Promise<JobRecord> {
    let settled: JobRecord | null = null;
    try {
      settled = await failAbandoned(record, now());
      if (settled) await finalize(settled);
    } catch (error) {
      onError('settling an abandoned job failed', error);
    }
    return settled ?? record;
  }

  /** Frees slots held by jobs that finished, were abandoned or never got written. True if any was freed. */
  async function reclaimSlots(sub: string): Promise<boolean> {
    let freed = false;
    for (const holder of await slots.holders(sub)) {
      const job = await jobs.get(holder.jobId).catch(() => null);
      if (!job) {
        if (Date.parse(holder.claimedAt) < now() - config.orphanSlotSeconds * 1000) {
          await slots.release(sub, holder.slot, holder.jobId);
          freed = true;
        }
        continue;
      }
      const current = isTerminal(job.status) ? job : await settle(job);
      if (isTerminal(current.status)) {
        // Releases the slot this holder has, which is not always the one the job recorded (concurrent replays).
        await finalize(current);
        await slots.release(sub, holder.slot, holder.jobId);
        freed = true;
      }
    }
    return freed;
  }

  return { settle, reclaimSlots };
}
export type JobSettler = ReturnType<typeof createJobSettler>;
