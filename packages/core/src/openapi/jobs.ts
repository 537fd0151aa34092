import {
  IDEMPOTENCY_KEY_HEADER,
  JobIdSchema,
  JobListQuerySchema,
  JobPageSchema,
  JobRequestSchema,
  JobSchema,
  MAX_JOB_BODY_BYTES,
} from '../jobs/schema';
import type { RouteId } from '../manifest';
import * as z from '../zod';
import { ProblemSchema } from './schemas';
import type { RouteDoc } from './types';

const problem = (description: string) => ({
  description,
  schema: ProblemSchema,
  contentType: 'application/problem+json',
});

/**
 * The request as zod reads it, plus the rule its refinement applies and JSON Schema can say: exactly one of `prompt`
 * and `messages` (`{}` and both are 400s). The check only annotates; parsing is JobRequestSchema's own.
 */
/**
 * IdempotencyKeySchema's rule (8–255 of its characters, optionally as a quoted sf-string, trimmed) as one pattern:
 * the zod schema transforms before it checks, and only its input side — any string — would reach the document.
 * A test checks the two agree.
 */
export const IDEMPOTENCY_KEY_PATTERN = '^\\s*(?:"[A-Za-z0-9._:~+/=-]{8,255}"|[A-Za-z0-9._:~+/=-]{8,255})\\s*$';

const DocumentedJobRequestSchema = JobRequestSchema.check(
  z.meta({ oneOf: [{ required: ['prompt'] }, { required: ['messages'] }] }),
);

export const jobDocs = {
  jobSubmit: {
    tags: ['jobs'],
    description:
      'Queues the agent run and answers at once with `202`, the job (`QUEUED`) and `Location: /jobs/{id}`; poll ' +
      'that until `SUCCEEDED` or `FAILED`. Give `prompt` or `messages` (user/assistant text, ending with a user ' +
      'message), and optionally `options`. The job runs as the caller, with the scopes of this token. Send an ' +
      '`Idempotency-Key` header (8–255 characters, e.g. a UUID) to make retries safe: the same key and body return ' +
      'the same job (`Idempotent-Replayed: true`), the same key with another body is a `422`. Counts against the ' +
      "plan's chat rate class, its monthly tokens and its cap on unfinished jobs (429).",
    body: DocumentedJobRequestSchema,
    bodyRequired: true,
    // Each text's maxLength holds alone; together they are bounded by the body cap (a 100,000-character prompt
    // fits only when it is mostly ASCII).
    maxBodyBytes: MAX_JOB_BODY_BYTES,
    headers: z.object({
      [IDEMPOTENCY_KEY_HEADER]: z.optional(
        z
          .string()
          .check(
            z.describe('8–255 characters of letters, digits and . _ : ~ + / = - (e.g. a UUID)'),
            z.meta({ pattern: IDEMPOTENCY_KEY_PATTERN }),
          ),
      ),
    }),
    responses: {
      202: { description: 'The job, QUEUED (or, for a replayed key, as it is now)', schema: JobSchema },
      415: problem('The body is not application/json'),
      422: problem('The Idempotency-Key was used with a different body'),
      503: problem('The queue is unavailable: nothing was queued; retry after Retry-After'),
    },
  },
  jobsList: {
    tags: ['jobs'],
    description: 'Summaries without results; page with `cursor`.',
    query: JobListQuerySchema,
    responses: { 200: { description: "A page of the caller's jobs, newest first", schema: JobPageSchema } },
  },
  jobGet: {
    tags: ['jobs'],
    description:
      'A small result is in `result`; a large one (over 256 KB) is stored in S3 and `resultUrl` is a short-lived ' +
      'presigned GET of its JSON (same shape as `result`). A `FAILED` job says why in `error`.',
    params: z.object({ id: JobIdSchema }),
    responses: {
      200: { description: 'The job', schema: JobSchema },
      404: problem('No such job for this caller'),
    },
  },
} satisfies Partial<Record<RouteId, RouteDoc>>;
