import { loadOnce, onFirstCall } from '@toolgate/core/data/on-first-call';
import type { UploadStorage } from '@toolgate/core/uploads/aws/storage';
import { config } from './base';

/**
 * The uploads bucket. The S3 client and its adapter load on first use (`import()`, a chunk of their own): most api
 * requests never touch S3, and its client is the largest in the SDK, so a cold start does not parse it.
 */
export const s3Client = loadOnce(async () => {
  const { createS3Client } = await import('@toolgate/core/uploads/aws/storage');
  return createS3Client({ region: config.region, local: config.local });
});

export const uploadStorage = onFirstCall<UploadStorage>(
  async () => {
    const [{ createUploadStorage }, s3] = await Promise.all([import('@toolgate/core/uploads/aws/storage'), s3Client()]);
    return createUploadStorage(s3, config.bucketName);
  },
  { bucket: config.bucketName },
);
