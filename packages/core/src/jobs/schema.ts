import { createHash } from 'node:crypto';
import { ToolCallTraceSchema } from '../agent/provider';
import { TokenUsageSchema } from '../agent/schema';
import { CorrelationIdSchema } from '../correlation';
import { pageQueryFields } from '../data/cursor';
import * as z from '../zod';

/** The contracts of `POST /jobs`, the job resource and the queue message, validated at every boundary. */

export const JOB_STATUSES = ['QUEUED', 'RUNNING', 'SUCCEEDED', 'FAILED'] as const;
export const JobStatusSchema = z.enum(JOB_STATUSES);
export type JobStatus = z.infer<typeof JobStatusSchema>;
export const isTerminal = (status: JobStatus) => status === 'SUCCEEDED' || status === 'FAILED';

export const JobIdSchema = z.uuid('must be a job id returned by POST /jobs');

/** The request body may be larger than a chat's (long prompts are what jobs are for), but it is stored in one item. */
export const MAX_JOB_BODY_BYTES = 128 * 1024;
export const MAX_JOB_TEXT_CHARS = 100_000;
export const MAX_JOB_MESSAGES = 100;

/**
 * Only user and assistant text: tool results are what the agent's own tools return while it runs as the owner, and
 * a client must not be able to put words in a tool's mouth.
 */
export const JobInputMessageSchema = z.discriminatedUnion('role', [
  z.strictObject({
    role: z.literal('user'),
    content: z.string().check(z.minLength(1), z.maxLength(MAX_JOB_TEXT_CHARS)),
  }),
  z.strictObject({ role: z.literal('assistant'), content: z.string().check(z.maxLength(MAX_JOB_TEXT_CHARS)) }),
]);
export type JobInputMessage = z.infer<typeof JobInputMessageSchema>;

export const JobOptionsSchema = z.strictObject({
  stepCap: z
    .optional(z.int().check(z.minimum(1), z.maximum(50)))
    .check(z.describe('Model calls the agent may make (capped per stage)')),
  maxOutputTokens: z
    .optional(z.int().check(z.minimum(64), z.maximum(8192)))
    .check(z.describe('Output tokens per model call')),
  deadlineSeconds: z
    .optional(z.int().check(z.minimum(10), z.maximum(900)))
    .check(z.describe("Wall-clock budget of the run (capped by the stage's job deadline)")),
});
export type JobOptions = z.infer<typeof JobOptionsSchema>;

export const JobRequestSchema = z
  .strictObject({
    prompt: z.optional(
      z.string().check(z.trim(), z.minLength(1, 'must not be empty'), z.maxLength(MAX_JOB_TEXT_CHARS), z.notBlank()),
    ),
    messages: z.optional(z.array(JobInputMessageSchema).check(z.minLength(1), z.maxLength(MAX_JOB_MESSAGES))),
    options: z.optional(JobOptionsSchema),
  })
  .check(
    z.superRefine((request, ctx) => {
      if ((request.prompt === undefined) === (request.messages === undefined)) {
        ctx.addIssue({ code: 'custom', path: [], message: 'give either prompt or messages (not both)' });
      }
      if (request.messages && request.messages.at(-1)?.role !== 'user') {
        ctx.addIssue({ code: 'custom', path: ['messages'], message: 'must end with a user message' });
      }
    }),
  );
export type JobRequest = z.infer<typeof JobRequestSchema>;

/** The conversation a job's agent starts from. */
export function jobMessages(request: JobRequest): JobInputMessage[] {
  return request.messages ?? [{ role: 'user', content: request.prompt ?? '' }];
}

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>)
        .filter(([, v]) => v !== undefined)
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([k, v]) => [k, canonical(v)]),
    );
  }
  return value;
}

/**
 * Fingerprint of a request for `Idempotency-Key` checks: the validated request with its keys sorted, so that key
 * order and whitespace in the JSON do not make "the same body" look different.
 */
export function requestHash(request: JobRequest): string {
  return createHash('sha256')
    .update(JSON.stringify(canonical(request)))
    .digest('base64url');
}

/**
 * `Idempotency-Key` (draft-ietf-httpapi-idempotency-key-header): an opaque client-chosen string, typically a UUID.
 * No `#` (it is part of a DynamoDB key) and no whitespace; a quoted sf-string is accepted and unquoted.
 */
export const IDEMPOTENCY_KEY_HEADER = 'Idempotency-Key';
export const IdempotencyKeySchema = z.pipe(
  z.pipe(
    z.string(),
    z.transform((raw) => {
      const trimmed = raw.trim();
      return trimmed.length >= 2 && trimmed.startsWith('"') && trimmed.endsWith('"') ? trimmed.slice(1, -1) : trimmed;
    }),
  ),
  z
    .string()
    .check(
      z.minLength(8, 'must be at least 8 characters (use a UUID)'),
      z.maxLength(255, 'must be at most 255 characters'),
      z.regex(/^[A-Za-z0-9._:~+/=-]+$/, 'may only contain letters, digits and . _ : ~ + / = -'),
    ),
);

/** The queue message: the job id and nothing else. The worker loads everything else from the table. */
export const JobMessageSchema = z.strictObject({ jobId: JobIdSchema });
export type JobMessage = z.infer<typeof JobMessageSchema>;

export const JobErrorSchema = z.object({
  code: z
    .string()
    .check(z.describe('Stable: model-unavailable, attempts-exhausted, worker-lost, not-queued, invalid-job')),
  message: z.string().check(z.describe('Written for the owner of the job')),
});
export type JobError = z.infer<typeof JobErrorSchema>;

export const JobResultSchema = z.object({
  reply: z.string(),
  stoppedBy: z.enum(['answer', 'step-cap', 'deadline']),
  toolCalls: z.array(ToolCallTraceSchema),
  usage: TokenUsageSchema,
});
export type JobResult = z.infer<typeof JobResultSchema>;

const timestamp = z.iso.datetime();

// The fields without the component name: `z.omit` refuses an object that carries checks, and `z.meta` is one.
const JobFieldsSchema = z.object({
  jobId: JobIdSchema,
  status: JobStatusSchema,
  correlationId: z.optional(
    CorrelationIdSchema.check(
      z.describe('The request id of the POST /jobs that created the job: its worker logs carry it as `correlation_id`'),
    ),
  ),
  createdAt: timestamp,
  updatedAt: timestamp,
  startedAt: z.optional(timestamp),
  finishedAt: z.optional(timestamp),
  attempts: z.int().check(z.nonnegative(), z.describe('Times a worker has started the job')),
  result: z.optional(JobResultSchema).check(z.describe('SUCCEEDED with a small result: the result itself')),
  resultUrl: z
    .optional(z.url())
    .check(z.describe('SUCCEEDED with a large result: a presigned GET URL of the result JSON')),
  resultUrlExpiresAt: z.optional(timestamp),
  resultBytes: z.optional(z.int().check(z.nonnegative())),
  usage: z.optional(TokenUsageSchema),
  error: z.optional(JobErrorSchema).check(z.describe('FAILED: why')),
  lastError: z.optional(JobErrorSchema).check(z.describe('QUEUED after a failed attempt: why it is being retried')),
});

/** A job as its owner sees it (`GET /jobs/{id}`, the 202 of `POST /jobs`). */
export const JobSchema = JobFieldsSchema.check(z.meta({ id: 'Job' }));
export type Job = z.infer<typeof JobSchema>;

export const JobSummarySchema = z
  .omit(JobFieldsSchema, { result: true, resultUrl: true, resultUrlExpiresAt: true })
  .check(z.meta({ id: 'JobSummary' }));
export type JobSummary = z.infer<typeof JobSummarySchema>;

export const JOBS_PAGE = { defaultLimit: 20, maxLimit: 100 } as const;

export const JobListQuerySchema = z.strictObject(pageQueryFields(JOBS_PAGE));
export type JobListQuery = z.infer<typeof JobListQuerySchema>;

export const JobPageSchema = z.object({
  items: z.array(JobSummarySchema).check(z.describe('Newest first')),
  nextCursor: z.nullable(z.string()),
});
export type JobPage = z.infer<typeof JobPageSchema>;
