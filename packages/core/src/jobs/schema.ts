import { createHash } from 'node:crypto';
import * as z from 'zod';
import { ToolCallTraceSchema } from '../agent/provider';
import { TokenUsageSchema } from '../agent/schema';

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
  z.object({ role: z.literal('user'), content: z.string().min(1).max(MAX_JOB_TEXT_CHARS) }).strict(),
  z.object({ role: z.literal('assistant'), content: z.string().max(MAX_JOB_TEXT_CHARS) }).strict(),
]);
export type JobInputMessage = z.infer<typeof JobInputMessageSchema>;

export const JobOptionsSchema = z
  .object({
    stepCap: z.number().int().min(1).max(50).optional().describe('Model calls the agent may make (capped per stage)'),
    maxOutputTokens: z.number().int().min(64).max(8192).optional().describe('Output tokens per model call'),
    deadlineSeconds: z
      .number()
      .int()
      .min(10)
      .max(900)
      .optional()
      .describe("Wall-clock budget of the run (capped by the stage's job deadline)"),
  })
  .strict();
export type JobOptions = z.infer<typeof JobOptionsSchema>;

export const JobRequestSchema = z
  .object({
    prompt: z.string().trim().min(1, 'must not be empty').max(MAX_JOB_TEXT_CHARS).optional(),
    messages: z.array(JobInputMessageSchema).min(1).max(MAX_JOB_MESSAGES).optional(),
    options: JobOptionsSchema.optional(),
  })
  .strict()
  .superRefine((request, ctx) => {
    if ((request.prompt === undefined) === (request.messages === undefined)) {
      ctx.addIssue({ code: 'custom', path: [], message: 'give either prompt or messages (not both)' });
    }
    if (request.messages && request.messages.at(-1)?.role !== 'user') {
      ctx.addIssue({ code: 'custom', path: ['messages'], message: 'must end with a user message' });
    }
  });
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
export const IdempotencyKeySchema = z
  .string()
  .transform((raw) => {
    const trimmed = raw.trim();
    return trimmed.length >= 2 && trimmed.startsWith('"') && trimmed.endsWith('"') ? trimmed.slice(1, -1) : trimmed;
  })
  .pipe(
    z
      .string()
      .min(8, 'must be at least 8 characters (use a UUID)')
      .max(255, 'must be at most 255 characters')
      .regex(/^[A-Za-z0-9._:~+/=-]+$/, 'may only contain letters, digits and . _ : ~ + / = -'),
  );

/** The queue message: the job id and nothing else. The worker loads everything else from the table. */
export const JobMessageSchema = z.object({ jobId: JobIdSchema }).strict();
export type JobMessage = z.infer<typeof JobMessageSchema>;

export const JobErrorSchema = z.object({
  code: z.string().describe('Stable: model-unavailable, attempts-exhausted, worker-lost, not-queued, invalid-job'),
  message: z.string().describe('Written for the owner of the job'),
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

/** A job as its owner sees it (`GET /jobs/{id}`, the 202 of `POST /jobs`). */
export const JobSchema = z
  .object({
    jobId: JobIdSchema,
    status: JobStatusSchema,
    createdAt: timestamp,
    updatedAt: timestamp,
    startedAt: timestamp.optional(),
    finishedAt: timestamp.optional(),
    attempts: z.number().int().nonnegative().describe('Times a worker has started the job'),
    result: JobResultSchema.optional().describe('SUCCEEDED with a small result: the result itself'),
    resultUrl: z.url().optional().describe('SUCCEEDED with a large result: a presigned GET URL of the result JSON'),
    resultUrlExpiresAt: timestamp.optional(),
    resultBytes: z.number().int().nonnegative().optional(),
    usage: TokenUsageSchema.optional(),
    error: JobErrorSchema.optional().describe('FAILED: why'),
    lastError: JobErrorSchema.optional().describe('QUEUED after a failed attempt: why it is being retried'),
  })
  .meta({ id: 'Job' });
export type Job = z.infer<typeof JobSchema>;

export const JobSummarySchema = JobSchema.omit({ result: true, resultUrl: true, resultUrlExpiresAt: true }).meta({
  id: 'JobSummary',
});
export type JobSummary = z.infer<typeof JobSummarySchema>;

export const JobListQuerySchema = z
  .object({
    limit: z.coerce.number().int().min(1).max(100).default(20),
    cursor: z.string().min(1).max(4096).optional(),
  })
  .strict();
export type JobListQuery = z.infer<typeof JobListQuerySchema>;

export const JobPageSchema = z.object({
  items: z.array(JobSummarySchema).describe('Newest first'),
  nextCursor: z.string().nullable(),
});
export type JobPage = z.infer<typeof JobPageSchema>;
