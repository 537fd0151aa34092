import * as z from 'zod';
import { configSection } from '../config-source';

export const DEFAULT_MAX_UPLOAD_BYTES = 10 * 1024 * 1024;

/**
 * Upload limits. The maximum size is what the presigned POST policy caps and what `complete` re-checks; the
 * expiry is how long the signed form stays usable (short: it is a bearer credential for one object key).
 */
export const UploadsConfigSchema = z.object({
  maxBytes: z
    .number()
    .int()
    .min(1)
    // The extract step reads the whole object into memory, and the steps Lambda has 1 GB.
    .max(100 * 1024 * 1024)
    .default(DEFAULT_MAX_UPLOAD_BYTES),
  presignExpirySeconds: z.number().int().min(60).max(3600).default(300),
});
export type UploadsConfig = z.infer<typeof UploadsConfigSchema>;

/** The `uploads` section: the upload service and the ingestion steps read it. */
export const UPLOADS_SECTION = configSection('uploads', UploadsConfigSchema.prefault({}));
