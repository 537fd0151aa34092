import { MAX_JSON_BODY_BYTES } from '../limits/body';
import type { RouteId } from '../manifest';
import { DEFAULT_MAX_UPLOAD_BYTES } from '../uploads/config';
import {
  CompletedUploadSchema,
  CreatedUploadSchema,
  createUploadRequestSchema,
  DocumentsPageSchema,
  DocumentsQuerySchema,
  UploadIdSchema,
  UploadViewSchema,
} from '../uploads/schema';
import * as z from '../zod';
import { ProblemSchema } from './schemas';
import type { RouteDoc } from './types';

const problem = (description: string) => ({
  description,
  schema: ProblemSchema,
  contentType: 'application/problem+json',
});

const uploadId = z.object({ id: UploadIdSchema });

export const uploadDocs = {
  uploadCreate: {
    tags: ['documents'],
    description:
      'Returns a presigned POST: send a `multipart/form-data` POST to `post.url` with every field of `post.fields` ' +
      'and the file last, as `file`. S3 accepts exactly the declared key, Content-Type and at most the declared ' +
      `size, until \`post.expiresAt\`. The maximum size is configuration (default ${DEFAULT_MAX_UPLOAD_BYTES} bytes). ` +
      'Then call POST /uploads/{id}/complete.',
    body: createUploadRequestSchema(DEFAULT_MAX_UPLOAD_BYTES),
    bodyRequired: true,
    maxBodyBytes: MAX_JSON_BODY_BYTES,
    responses: {
      201: { description: 'The upload, PENDING, with its presigned POST', schema: CreatedUploadSchema },
      415: problem('The body is not application/json'),
    },
  },
  uploadComplete: {
    tags: ['documents'],
    description:
      'Checks the uploaded object (it exists, its size and Content-Type are the declared ones) and starts the ' +
      'ingestion workflow. Idempotent: calling it again returns the same execution. Poll GET /uploads/{id}.',
    params: uploadId,
    responses: {
      202: { description: 'Accepted: ingestion started (or had already started)', schema: CompletedUploadSchema },
      404: problem("No such upload for this caller (another user's id is not found either)"),
      409: problem('Nothing has been uploaded for this id yet'),
      422: problem('The uploaded object differs from its declaration; it was deleted'),
      503: problem('The workflow could not be started; call complete again'),
    },
  },
  uploadGet: {
    tags: ['documents'],
    params: uploadId,
    responses: {
      200: { description: 'The upload', schema: UploadViewSchema },
      404: problem('No such upload for this caller'),
    },
  },
  documentsList: {
    tags: ['documents'],
    query: DocumentsQuerySchema,
    responses: { 200: { description: "A page of the caller's ready documents", schema: DocumentsPageSchema } },
  },
} satisfies Partial<Record<RouteId, RouteDoc>>;
