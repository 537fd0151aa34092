import { type Clock, systemClock } from '../clock';
import type { ChatQuota } from '../limits/rate-limiter';
import type { JobSlots } from './aws/slots';
import type { JobUsageLedger } from './aws/usage-ledger';
import type { JobRecord } from './record';
import { isTerminal } from './schema';

export interface JobFinalizerOptions {
  slots: JobSlots;
  ledger: JobUsageLedger;
  quota: Pick<ChatQuota, 'record'>;
  /** The model id recorded with the usage. */
  model: string;
  now?: Clock;
}

/**
 * What follows a job's final state, outside its item: its usage record (and the quota charge that goes with it) and
 * the release of its active-job slot. Each step is idempotent, and the job item (written first, in one conditional
 * update with the result and the usage) stays the source of truth, so whoever sees a finished job runs this again:
 * the worker on a redelivered message, the API when it settles an abandoned job. A crash in between is repaired by
 * the next delivery instead of leaving a slot taken or usage unrecorded.
 */
export function createJobFinalizer(options: JobFinalizerOptions) {
  const { slots, ledger, quota, model, now = systemClock } = options;
  return async function finalize(record: JobRecord): Promise<void> {
    if (!isTerminal(record.status)) return;
    if (record.status === 'SUCCEEDED' && record.usage) {
      const created = await ledger.record(record.owner, record.jobId, { usage: record.usage, model, at: now() });
      // Only the call that created the record charges the quota, so the tokens count once. A crash between the two
      // writes under-charges (never over-charges) this one job.
      if (created) await quota.record(record.owner, record.usage.inputTokens + record.usage.outputTokens);
    }
    if (record.slot !== undefined) await slots.release(record.owner, record.slot, record.jobId);
  };
}
export type JobFinalizer = ReturnType<typeof createJobFinalizer>;
