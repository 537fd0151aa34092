import { CorrelationIdSchema } from '../correlation';
import { pageQueryFields } from '../data/cursor';
import * as z from '../zod';

/**
 * The upload and document contracts, used at the HTTP boundary, by the tools and by the OpenAPI document.
 * Limits that are configuration (the maximum size, the presign expiry) live in `./config`.
 */

/** What can be uploaded: formats the extract step can turn into text. Exact media types, no parameters. */
export const UPLOAD_CONTENT_TYPES = [
  'text/plain',
  'text/markdown',
  'text/csv',
  'application/json',
  'application/pdf',
] as const;
export type UploadContentType = (typeof UPLOAD_CONTENT_TYPES)[number];

export const UPLOAD_STATUSES = ['PENDING', 'UPLOADED', 'PROCESSING', 'READY', 'FAILED'] as const;
export type UploadStatus = (typeof UPLOAD_STATUSES)[number];

export const MAX_FILENAME_LENGTH = 255;

export const UploadIdSchema = z.uuid('must be an upload id returned by POST /uploads');

/**
 * Control characters (C0, DEL, C1) and the bidirectional overrides that make `evil\u202Etxt.exe` read as
 * `evilexe.txt`: a filename is shown back to users and to the model, so it must display as what it is.
 */
const UNSAFE_FILENAME_CLASS = '\\u0000-\\u001f\\u007f-\\u009f\\u200e\\u200f\\u202a-\\u202e\\u2066-\\u2069';
const UNSAFE_FILENAME_CHARS = new RegExp(`[${UNSAFE_FILENAME_CLASS}]`);

/**
 * Every rule below as one JSON Schema pattern (ECMAScript, `u` flag), for the OpenAPI document: no separator, no
 * unsafe character, no `..`, no whitespace at either end. A test checks it against the refinements on many strings.
 */
export const FILENAME_PATTERN = `^(?!\\s)(?![\\s\\S]*\\.\\.)(?![\\s\\S]*\\s$)[^/\\\\${UNSAFE_FILENAME_CLASS}]+$`;

export const FilenameSchema = z.string().check(
  z.minLength(1, 'must not be empty'),
  z.maxLength(MAX_FILENAME_LENGTH, `must be at most ${MAX_FILENAME_LENGTH} characters`),
  z.refine((name) => !/[/\\]/.test(name), 'must be a file name, without path separators'),
  z.refine((name) => !UNSAFE_FILENAME_CHARS.test(name), 'must not contain control characters'),
  z.refine((name) => !name.includes('..'), 'must not contain ".."'),
  z.refine((name) => name.trim() === name && name.trim().length > 0, 'must not start or end with whitespace'),
  z.meta({ pattern: FILENAME_PATTERN }),
);

export const UploadContentTypeSchema = z.enum(UPLOAD_CONTENT_TYPES, {
  error: `must be one of ${UPLOAD_CONTENT_TYPES.join(', ')}`,
});

/** `POST /uploads`. The size bound is configuration, so the schema is built from it. */
export function createUploadRequestSchema(maxBytes: number) {
  return z.strictObject({
    filename: FilenameSchema.check(z.describe('The file name as the user sees it (no path)')),
    contentType: UploadContentTypeSchema.check(z.describe('The exact Content-Type the file will be uploaded with')),
    size: z
      .number({ error: 'must be a number of bytes' })
      .check(
        z.int('must be a whole number of bytes'),
        z.minimum(1, 'must be at least 1 byte (empty files cannot be ingested)'),
        z.maximum(maxBytes, `must be at most ${maxBytes} bytes`),
        z.describe('The exact size in bytes; the presigned POST accepts no other'),
      ),
  });
}
export type UploadRequest = z.infer<ReturnType<typeof createUploadRequestSchema>>;

export const PresignedPostSchema = z.object({
  url: z.string().check(z.describe('POST the form here (multipart/form-data)')),
  fields: z
    .record(z.string(), z.string())
    .check(z.describe('Send every field, in this order, before the `file` field (which must come last)')),
  expiresAt: z.iso.datetime().check(z.describe('The form is refused by S3 after this time')),
});

/**
 * Whether the ingestion workflow has been started for an upload. Deliberately opaque: the execution ARN names the
 * AWS account, the stage and the state machine, none of which a client needs (or should learn) to follow an upload;
 * `status` tells how far processing got.
 */
export const INGESTION_STATES = ['NOT_STARTED', 'STARTED'] as const;
export type IngestionState = (typeof INGESTION_STATES)[number];
const IngestionStateSchema = z
  .enum(INGESTION_STATES)
  .check(z.describe('STARTED once the ingestion workflow runs for this upload; `status` tells how far it got'));

/** Every log line of the upload's ingestion carries it as `correlation_id`. */
const IngestionCorrelationSchema = CorrelationIdSchema.check(
  z.describe(
    'The request id of the `POST /uploads/{id}/complete` that started the ingestion: every log line of the ingestion carries it as `correlation_id`',
  ),
);

const ErrorTextSchema = z.string().check(z.describe('Why processing failed, when status is FAILED'));

export const UploadViewSchema = z.object({
  id: UploadIdSchema,
  filename: z.string(),
  contentType: UploadContentTypeSchema,
  size: z.int().check(z.positive()),
  status: z.enum(UPLOAD_STATUSES),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
  ingestion: IngestionStateSchema,
  summary: z.optional(z.string()),
  error: z.optional(ErrorTextSchema),
  correlationId: z.optional(IngestionCorrelationSchema),
});
export type UploadView = z.infer<typeof UploadViewSchema>;

export const CreatedUploadSchema = z.extend(UploadViewSchema, { post: PresignedPostSchema });
export type CreatedUpload = z.infer<typeof CreatedUploadSchema>;

export const CompletedUploadSchema = z.object({
  id: UploadIdSchema,
  status: z.enum(UPLOAD_STATUSES),
  ingestion: IngestionStateSchema,
  correlationId: z.optional(IngestionCorrelationSchema),
});
export type CompletedUpload = z.infer<typeof CompletedUploadSchema>;

export const DocumentSummarySchema = z.object({
  id: UploadIdSchema,
  filename: z.string(),
  contentType: UploadContentTypeSchema,
  size: z.int().check(z.positive()),
  summary: z.string(),
  createdAt: z.iso.datetime(),
  readyAt: z.iso.datetime(),
});
export type DocumentSummary = z.infer<typeof DocumentSummarySchema>;

export const DOCUMENTS_PAGE = { defaultLimit: 20, maxLimit: 50 } as const;

export const DocumentsQuerySchema = z.strictObject(pageQueryFields(DOCUMENTS_PAGE));
export type DocumentsQuery = z.infer<typeof DocumentsQuerySchema>;

export const DocumentsPageSchema = z.object({
  items: z.array(DocumentSummarySchema),
  nextCursor: z.nullable(z.string()),
});
export type DocumentsPage = z.infer<typeof DocumentsPageSchema>;
