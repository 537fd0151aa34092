import { configSection } from '../config-reader';
import * as z from '../zod';

export const DEFAULT_MAX_UPLOAD_BYTES = 10 * 1024 * 1024;

/**
 * Upload limits. The maximum size is what the presigned POST policy caps and what `complete` re-checks; the
 * expiry is how long the signed form stays usable (short: it is a bearer credential for one object key).
 */
export const UploadsConfigSchema = z.object({
  maxBytes: z._default(
    z.int().check(
      z.minimum(1),
      // The extract step reads the whole object into memory, and the steps Lambda has 1 GB.
      z.maximum(100 * 1024 * 1024),
    ),
    DEFAULT_MAX_UPLOAD_BYTES,
  ),
  presignExpirySeconds: z._default(z.int().check(z.minimum(60), z.maximum(3600)), 300),
});
export type UploadsConfig = z.infer<typeof UploadsConfigSchema>;

/** The `uploads` section: the upload service and the ingestion steps read it. */
export const UPLOADS_SECTION = configSection('uploads', z.prefault(UploadsConfigSchema, {}));
