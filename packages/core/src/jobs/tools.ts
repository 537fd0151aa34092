import { scope } from '../scopes';
import { defineTool } from '../tools/registry';
import * as z from '../zod';
import { JobErrorSchema, JobIdSchema, JobStatusSchema } from './schema';
import type { JobsService } from './service';

/** A model reads the reply; anything longer is cut here (the full result stays on GET /jobs/{id}). */
const MAX_REPLY_CHARS = 8_000;

export const JobStatusToolOutputSchema = z.object({
  jobId: JobIdSchema,
  status: JobStatusSchema,
  createdAt: z.string(),
  updatedAt: z.string(),
  finishedAt: z.optional(z.string()),
  attempts: z.int().check(z.nonnegative()),
  reply: z.optional(z.string()).check(z.describe('SUCCEEDED: the agent reply (cut at 8000 characters)')),
  replyTruncated: z.optional(z.boolean()),
  resultUrl: z.optional(z.string()).check(z.describe('SUCCEEDED with a large result: a short-lived download URL')),
  error: z.optional(JobErrorSchema),
});

export function jobTools(jobs: Pick<JobsService, 'get'>) {
  return [
    defineTool({
      name: 'job_status',
      description:
        "Get the status of one of the caller's long-running jobs (submitted with POST /jobs): QUEUED, RUNNING, " +
        'SUCCEEDED or FAILED, with the reply once it succeeded or the reason it failed. Input: the job id.',
      input: z.strictObject({ jobId: JobIdSchema }),
      output: JobStatusToolOutputSchema,
      scope: scope('jobs'),
      handler: async ({ jobId }, { caller }) => {
        const job = await jobs.get(caller, jobId);
        const reply = job.result?.reply;
        return {
          jobId: job.jobId,
          status: job.status,
          createdAt: job.createdAt,
          updatedAt: job.updatedAt,
          ...(job.finishedAt ? { finishedAt: job.finishedAt } : {}),
          attempts: job.attempts,
          ...(reply !== undefined
            ? {
                reply: reply.slice(0, MAX_REPLY_CHARS),
                ...(reply.length > MAX_REPLY_CHARS ? { replyTruncated: true } : {}),
              }
            : {}),
          ...(job.resultUrl ? { resultUrl: job.resultUrl } : {}),
          ...(job.error ? { error: job.error } : {}),
        };
      },
    }),
  ];
}
