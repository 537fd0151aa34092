import {
  IDEMPOTENCY_KEY_HEADER,
  IdempotencyKeySchema,
  JobIdSchema,
  JobListQuerySchema,
  JobRequestSchema,
  MAX_JOB_BODY_BYTES,
} from '@toolgate/core/jobs/schema';
import type { JobsService } from '@toolgate/core/jobs/service';
import { routes } from '@toolgate/core/manifest';
import * as z from '@toolgate/core/zod';
import type { Hono } from 'hono';
import { readJsonBody } from '../http/json-body';
import type { AppEnv } from '../http/types';
import { parseInput, singleValuedQuery } from '../http/validate';
import { honoPath } from './path';

const KeyHeaderSchema = z.object({ 'idempotency-key': z.optional(IdempotencyKeySchema) });

/** `POST /jobs`, `GET /jobs`, `GET /jobs/{id}`: thin adapters over the jobs service, as the verified caller. */
export function mountJobs(app: Hono<AppEnv>, jobs: JobsService): void {
  app.post(honoPath(routes.jobSubmit), async (c) => {
    const headers = parseInput(KeyHeaderSchema, { 'idempotency-key': c.req.header(IDEMPOTENCY_KEY_HEADER) }, 'header');
    const request = parseInput(JobRequestSchema, await readJsonBody(c, { maxBytes: MAX_JOB_BODY_BYTES }), 'body');
    const idempotencyKey = headers['idempotency-key'];
    const { job, replayed } = await jobs.submit({
      caller: c.get('caller'),
      // The gateway's id of this request, never a client header: the job's worker logs carry it (correlation.ts).
      correlationId: c.get('requestId'),
      request,
      ...(idempotencyKey ? { idempotencyKey } : {}),
    });
    // Never the prompt or the key: the key may be guessable, the prompt personal.
    c.get('logger')?.info('job submitted', { jobId: job.jobId, replayed, status: job.status });
    c.header('Location', `/jobs/${job.jobId}`);
    c.header('Cache-Control', 'no-store');
    if (replayed) c.header('Idempotent-Replayed', 'true');
    return c.json(job, 202);
  });

  app.get(honoPath(routes.jobsList), async (c) => {
    const query = parseInput(JobListQuerySchema, singleValuedQuery(c.req.queries()), 'query');
    c.header('Cache-Control', 'private, no-store');
    return c.json(await jobs.list(c.get('caller'), query));
  });

  app.get(honoPath(routes.jobGet), async (c) => {
    const { id } = parseInput(z.object({ id: JobIdSchema }), { id: c.req.param('id') }, 'path');
    c.header('Cache-Control', 'private, no-store');
    return c.json(await jobs.get(c.get('caller'), id));
  });
}
