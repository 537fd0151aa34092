import { configSection } from '../config-reader';
import { WORKER_TIMEOUT_SECONDS } from '../resources';
import * as z from '../zod';

/**
 * How jobs run. Defaults hold unless the stage overrides them (`Settings.jobs` deployed, `TOOLGATE_JOBS` locally).
 * The per-plan cap on unfinished jobs is a plan limit and lives with the others (`limits.queuedJobs`).
 */

/** A job's wall-clock budget can never exceed the worker Lambda's own timeout (less time to save the result). */
export const MAX_JOB_DEADLINE_MS = (WORKER_TIMEOUT_SECONDS - 30) * 1000;

export const JobsConfigSchema = z.object({
  /** Default wall-clock budget of one job's agent run (a request may ask for less with `options.deadlineSeconds`). */
  deadlineMs: z._default(z.int().check(z.minimum(1000), z.maximum(MAX_JOB_DEADLINE_MS)), 240_000),
  /** Default model calls per job (a request may ask for fewer or more, up to `maxStepCap`). */
  stepCap: z._default(z.int().check(z.minimum(1), z.maximum(50)), 12),
  maxStepCap: z._default(z.int().check(z.minimum(1), z.maximum(50)), 30),
  /** Output tokens asked of the model per call. */
  maxOutputTokens: z._default(z.int().check(z.minimum(64), z.maximum(8192)), 4096),
  /** Results up to this size are stored in the job item; larger ones go to S3 and are served by presigned GET. */
  inlineResultMaxBytes: z._default(z.int().check(z.minimum(0), z.maximum(256 * 1024)), 256 * 1024),
  /** Seconds before a failed attempt is retried; doubles per attempt (the message's visibility is set to it). */
  retryDelaySeconds: z._default(z.int().check(z.minimum(0), z.maximum(900)), 10),
  /** How long an `Idempotency-Key` keeps pointing at its job. */
  idempotencyTtlHours: z._default(z.int().check(z.minimum(1), z.maximum(24 * 7)), 24),
  /** Finished jobs (and their S3 results, by lifecycle rule) are kept this long. */
  retentionDays: z._default(z.int().check(z.minimum(1), z.maximum(365)), 30),
  /** Lifetime of the presigned GET URL of a large result. */
  resultUrlTtlSeconds: z._default(z.int().check(z.minimum(60), z.maximum(3600)), 900),
  /** An unsent job (jobs/unsent.ts) is left to the request creating it this long before a replay of its key re-sends it. */
  resendGraceSeconds: z._default(z.int().check(z.minimum(1), z.maximum(300)), 10),
  /** An unsent job this old was lost between its write and its SendMessage: reads fail it (`not-queued`). */
  unsentTimeoutSeconds: z._default(z.int().check(z.minimum(60), z.maximum(3600)), 300),
  /** A slot whose job cannot be found this long after its claim was taken by a request that never wrote its job. */
  orphanSlotSeconds: z._default(z.int().check(z.minimum(10), z.maximum(3600)), 60),
});
export type JobsConfig = z.infer<typeof JobsConfigSchema>;

/** The `jobs` section: the jobs service and the worker read it. */
export const JOBS_SECTION = configSection('jobs', z.prefault(JobsConfigSchema, {}));
