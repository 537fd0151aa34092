import { PENDING_UPLOAD_TAG } from '../deploy/access';
import { UPLOADS_BUCKET } from '../resources';

/**
 * The uploads bucket's object keys and tags, apart from the S3 adapter (`storage.ts`) so that code which only names
 * objects does not pull the S3 client into a cold start.
 */

/** Object keys are built from the verified `sub` and a server-generated id, never from client input. */
export const uploadKey = (sub: string, id: string) => `${UPLOADS_BUCKET.uploadPrefix(sub)}${id}`;
export const documentTextKey = (sub: string, id: string) => `${UPLOADS_BUCKET.documentPrefix(sub)}${id}.txt`;

/** Re-tagging an upload with this value takes it out of the lifecycle rule that expires pending uploads. */
export const CLAIMED_UPLOAD_TAG = { key: PENDING_UPLOAD_TAG.key, value: 'claimed' } as const;
