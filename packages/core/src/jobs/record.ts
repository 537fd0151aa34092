import { TokenUsageSchema } from '../agent/schema';
import * as z from '../zod';
import { JobErrorSchema, JobIdSchema, JobRequestSchema, JobResultSchema, JobStatusSchema } from './schema';

/**
 * A job as stored: one DynamoDB item, read back through this schema (a stored item is a boundary too: a bug or a
 * manual edit must not reach the agent unvalidated).
 *
 * `attempts` is also the fencing token: every write a worker makes after it started the job is conditional on the
 * attempt it started, so a worker that lost its lease (crashed, timed out, was overtaken) can no longer write.
 */
export const JobRecordSchema = z.object({
  jobId: JobIdSchema,
  /** The verified `sub` of the caller who submitted it: the only identity the worker ever acts as. */
  owner: z.string().check(z.minLength(1)),
  /** The scopes of the submitting token: the job's tools are those, and only those. */
  scopes: z.array(z.string()),
  clientId: z.string(),
  /** The gateway request id of the `POST /jobs` that created it (see correlation.ts); absent on older jobs. */
  correlationId: z.optional(z.string()),
  status: JobStatusSchema,
  request: JobRequestSchema,
  requestHash: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
  /** Set once SendMessage succeeded; a QUEUED job without it was never (known to be) sent. */
  enqueuedAt: z.optional(z.string()),
  messageId: z.optional(z.string()),
  startedAt: z.optional(z.string()),
  finishedAt: z.optional(z.string()),
  attempts: z.int().check(z.nonnegative()),
  /** Epoch ms until which the current attempt owns the job (its invocation's own deadline). */
  leaseUntil: z.optional(z.number()),
  /** `ApproximateReceiveCount` of the delivery that started the current attempt. */
  claimedReceiveCount: z.optional(z.int()),
  /** The active-job slot the job holds until it finishes (see slots.ts). */
  slot: z.optional(z.int().check(z.nonnegative())),
  result: z.optional(JobResultSchema),
  /** A large result: its S3 key (under the owner's prefix) and size. */
  resultRef: z.optional(z.object({ key: z.string(), bytes: z.int().check(z.nonnegative()) })),
  usage: z.optional(TokenUsageSchema),
  error: z.optional(JobErrorSchema),
  lastError: z.optional(JobErrorSchema),
  expiresAt: z.optional(z.number()),
});
export type JobRecord = z.infer<typeof JobRecordSchema>;
