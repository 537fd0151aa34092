import { routes } from '@toolgate/core/manifest';
import { DocumentsQuerySchema, UploadIdSchema } from '@toolgate/core/uploads/schema';
import type { UploadService } from '@toolgate/core/uploads/service';
import * as z from '@toolgate/core/zod';
import type { Hono } from 'hono';
import { readJsonBody } from '../http/json-body';
import type { AppEnv } from '../http/types';
import { parseInput, singleValuedQuery } from '../http/validate';
import { honoPath } from './path';

const IdParam = z.object({ id: UploadIdSchema });

/** Uploads and documents: the bytes go straight to S3; these routes only sign, check, start and report. */
export function mountUploads(app: Hono<AppEnv>, uploads: UploadService): void {
  app.post(honoPath(routes.uploadCreate), async (c) => {
    const request = parseInput(uploads.requestSchema, await readJsonBody(c), 'body');
    const created = await uploads.create(c.get('caller'), request);
    // The answer holds a signed form (a credential for one key): never cached, never logged.
    c.header('Cache-Control', 'no-store');
    c.header('Location', `/uploads/${created.id}`);
    return c.json(created, 201);
  });

  app.post(honoPath(routes.uploadComplete), async (c) => {
    const { id } = parseInput(IdParam, { id: c.req.param('id') }, 'path');
    const completed = await uploads.complete(c.get('caller'), id, c.get('requestId'));
    c.header('Cache-Control', 'no-store');
    c.header('Location', `/uploads/${id}`);
    return c.json(completed, 202);
  });

  app.get(honoPath(routes.uploadGet), async (c) => {
    const { id } = parseInput(IdParam, { id: c.req.param('id') }, 'path');
    c.header('Cache-Control', 'private, no-store');
    return c.json(await uploads.get(c.get('caller'), id));
  });

  app.get(honoPath(routes.documentsList), async (c) => {
    const query = parseInput(DocumentsQuerySchema, singleValuedQuery(c.req.queries()), 'query');
    c.header('Cache-Control', 'private, no-store');
    return c.json(await uploads.listDocuments(c.get('caller'), query));
  });
}
