import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { type Clock, systemClock } from '../../clock';
import { JOB_RESULT_TAG, UPLOADS_BUCKET } from '../../resources';

/**
 * Large job results live in the uploads bucket under the owner's prefix, `users/<sub>/results/<jobId>.json`, and are
 * served by a short-lived presigned GET: big payloads never cross the gateway. The key is derived from the stored
 * owner and job id, never from a request.
 */
export const resultKey = (owner: string, jobId: string) => `${UPLOADS_BUCKET.resultPrefix(owner)}${jobId}.json`;

export interface ResultStore {
  put(owner: string, jobId: string, json: string): Promise<{ key: string; bytes: number }>;
  presign(key: string, ttlSeconds: number): Promise<{ url: string; expiresAt: string }>;
}

export function createS3ResultStore(s3: S3Client, bucket: string, now: Clock = systemClock): ResultStore {
  return {
    async put(owner, jobId, json) {
      const key = resultKey(owner, jobId);
      const body = Buffer.from(json, 'utf8');
      await s3.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: key,
          Body: body,
          ContentType: 'application/json',
          CacheControl: 'private, no-store',
          Tagging: `${JOB_RESULT_TAG.key}=${JOB_RESULT_TAG.value}`,
        }),
      );
      return { key, bytes: body.length };
    },
    async presign(key, ttlSeconds) {
      // Signed at the clock's time, so the URL's validity and the `expiresAt` we report are one and the same.
      const signedAt = now();
      const url = await getSignedUrl(s3, new GetObjectCommand({ Bucket: bucket, Key: key }), {
        expiresIn: ttlSeconds,
        signingDate: new Date(signedAt),
      });
      return { url, expiresAt: new Date(signedAt + ttlSeconds * 1000).toISOString() };
    },
  };
}
