import * as z from 'zod';
import { JobErrorSchema, JobIdSchema, JobStatusSchema } from '../jobs/schema';
import type { JobsService } from '../jobs/service';
import { scope } from '../scopes';
import { defineTool } from './registry';

/** A model reads the reply; anything longer is cut here (the full result stays on GET /jobs/{id}). */
const MAX_REPLY_CHARS = 8_000;

export const JobStatusToolOutputSchema = z.object({
  jobId: JobIdSchema,
  status: JobStatusSchema,
  createdAt: z.string(),
  updatedAt: z.string(),
  finishedAt: z.string().optional(),
  attempts: z.number().int().nonnegative(),
  reply: z.string().optional().describe('SUCCEEDED: the agent reply (cut at 8000 characters)'),
  replyTruncated: z.boolean().optional(),
  resultUrl: z.string().optional().describe('SUCCEEDED with a large result: a short-lived download URL'),
  error: JobErrorSchema.optional(),
});

export function jobTools(jobs: Pick<JobsService, 'get'>) {
  return [
    defineTool({
      name: 'job_status',
      description:
        "Get the status of one of the caller's long-running jobs (submitted with POST /jobs): QUEUED, RUNNING, " +
        'SUCCEEDED or FAILED, with the reply once it succeeded or the reason it failed. Input: the job id.',
      input: z.object({ jobId: JobIdSchema }).strict(),
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
