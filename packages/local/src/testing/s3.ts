import {
  GetObjectTaggingCommand,
  HeadObjectCommand,
  PutObjectCommand,
  S3Client,
  type S3ServiceException,
} from '@aws-sdk/client-s3';
import { LOCAL_CREDENTIALS } from '../local-env';

export interface BucketLocation {
  /** The emulator's endpoint (`runtime.endpoints.s3`). */
  endpoint: string;
  region: string;
  bucketName: string;
}

/**
 * Direct access to the local uploads bucket with the SDK, for tests that play a client bypassing the presigned
 * POST (a PutObject with the bucket's credentials is under no POST policy) or that must prove what is (or is no
 * longer) stored.
 */
export function localBucket(location: BucketLocation) {
  const s3 = new S3Client({
    region: location.region,
    endpoint: location.endpoint,
    credentials: LOCAL_CREDENTIALS,
    forcePathStyle: true,
  });
  const Bucket = location.bucketName;
  return {
    async put(key: string, body: string | Uint8Array, contentType: string): Promise<void> {
      await s3.send(new PutObjectCommand({ Bucket, Key: key, Body: body, ContentType: contentType }));
    },
    async head(key: string): Promise<{ size: number; contentType: string | undefined } | null> {
      try {
        const object = await s3.send(new HeadObjectCommand({ Bucket, Key: key }));
        return { size: object.ContentLength ?? 0, contentType: object.ContentType };
      } catch (error) {
        if ((error as S3ServiceException).$metadata?.httpStatusCode === 404) return null;
        throw error;
      }
    },
    async tags(key: string): Promise<Record<string, string>> {
      const { TagSet } = await s3.send(new GetObjectTaggingCommand({ Bucket, Key: key }));
      return Object.fromEntries((TagSet ?? []).map((tag) => [tag.Key ?? '', tag.Value ?? '']));
    },
    close: () => s3.destroy(),
  };
}
