import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  PutObjectTaggingCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { createPresignedPost } from '@aws-sdk/s3-presigned-post';
import { awsClientConfig } from '../../data/aws-client-config';
import { withClientPlugins } from '../../data/aws-client-plugins';
import { PENDING_UPLOAD_TAG } from '../../deploy/access';
import { CLAIMED_UPLOAD_TAG } from '../keys';
import { ObjectChangedError } from '../object-changed';

const taggingXml = (tag: { key: string; value: string }) =>
  `<Tagging><TagSet><Tag><Key>${tag.key}</Key><Value>${tag.value}</Value></Tag></TagSet></Tagging>`;

/**
 * The SDK signs the policy at its own clock's time (the wall clock plus its skew correction) and takes no date, so
 * the expiry we report is read from the signed policy itself rather than computed from a second clock.
 */
function policyExpiration(fields: Record<string, string>): string {
  const policy = JSON.parse(Buffer.from(fields.Policy ?? '', 'base64').toString('utf8')) as { expiration?: unknown };
  if (typeof policy.expiration !== 'string') throw new Error('presigned POST: the signed policy has no expiration');
  return new Date(policy.expiration).toISOString();
}

export interface PresignedPost {
  url: string;
  fields: Record<string, string>;
  expiresAt: string;
}

export interface PresignPostInput {
  key: string;
  contentType: string;
  size: number;
  expiresSeconds: number;
}

export interface ObjectInfo {
  size: number;
  contentType: string | undefined;
  /** Identifies this version of the object's bytes (S3 always sends one). */
  etag: string | undefined;
}

export { ObjectChangedError };

export interface ReadOptions {
  /** Read only this version (an ETag from `head`): otherwise `ObjectChangedError`, never other bytes. */
  ifMatch?: string;
}

/** The uploads bucket, as the upload service and the ingestion steps use it. */
export interface UploadStorage {
  readonly bucket: string;
  /** A presigned POST for exactly one key, one content type and at most `size` bytes. */
  presignPost(input: PresignPostInput): Promise<PresignedPost>;
  /** HeadObject; null when there is no such object. */
  head(key: string): Promise<ObjectInfo | null>;
  delete(key: string): Promise<void>;
  /** Marks an upload as kept (the lifecycle rule deletes objects still tagged pending). */
  claim(key: string): Promise<void>;
  /** The object's bytes (the first `maxBytes` of them when given); null when there is no such object. */
  read(key: string, maxBytes?: number, options?: ReadOptions): Promise<Uint8Array | null>;
  writeText(key: string, text: string): Promise<void>;
}

/**
 * A read of a key that does not exist. S3 answers 404 only to a caller allowed `s3:ListBucket` on the bucket; to
 * anyone else it answers 403, so that a denied caller learns nothing about which keys exist. No tier is granted
 * ListBucket (docs/adr/0004-local-iam.md: it cannot be scoped to one user's prefix in a role every user's requests
 * share, and unscoped it would let a tier enumerate every user's keys), so on AWS a missing object is a 403, and a
 * 403 on a key under `users/` — where every tier that reads has `s3:GetObject` — means "not there". A tier that
 * lost its GetObject grant would read everything as missing: the local IAM check fails the tests first.
 */
export function isMissing(error: unknown): boolean {
  const { name, $metadata } = error as { name?: string; $metadata?: { httpStatusCode?: number } };
  const status = $metadata?.httpStatusCode;
  // A HEAD answer has no body, so the SDK cannot name a 403 to HeadObject (it says `Unknown`): go by the status.
  return name === 'NotFound' || name === 'NoSuchKey' || status === 404 || status === 403;
}

function isPreconditionFailure(error: unknown): boolean {
  const { name, $metadata } = error as { name?: string; $metadata?: { httpStatusCode?: number } };
  return name === 'PreconditionFailed' || $metadata?.httpStatusCode === 412;
}

/**
 * The S3 client for the uploads bucket. The endpoint comes from the SDK's own `AWS_ENDPOINT_URL_S3` when running
 * locally, where s3rver needs path-style URLs (`local`); deployed, virtual-hosted URLs are the default.
 */
export function createS3Client(options: { region: string; local: boolean }): S3Client {
  return withClientPlugins(
    new S3Client({ ...awsClientConfig('s3'), region: options.region, forcePathStyle: options.local }),
  );
}

export function createUploadStorage(s3: S3Client, bucket: string): UploadStorage {
  return {
    bucket,

    async presignPost({ key, contentType, size, expiresSeconds }) {
      const { url, fields } = await createPresignedPost(s3, {
        Bucket: bucket,
        Key: key,
        // Every field below also becomes an exact-match condition of the policy (the SDK adds them), so S3 refuses
        // a form whose key, Content-Type or tagging differs; the length range caps the bytes it accepts.
        Conditions: [['content-length-range', 1, size]],
        Fields: { 'Content-Type': contentType, tagging: taggingXml(PENDING_UPLOAD_TAG) },
        Expires: expiresSeconds,
      });
      return { url, fields, expiresAt: policyExpiration(fields) };
    },

    async head(key) {
      try {
        const object = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
        return { size: object.ContentLength ?? 0, contentType: object.ContentType, etag: object.ETag };
      } catch (error) {
        if (isMissing(error)) return null;
        throw error;
      }
    },

    async delete(key) {
      await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
    },

    async claim(key) {
      await s3.send(
        new PutObjectTaggingCommand({
          Bucket: bucket,
          Key: key,
          Tagging: { TagSet: [{ Key: CLAIMED_UPLOAD_TAG.key, Value: CLAIMED_UPLOAD_TAG.value }] },
        }),
      );
    },

    async read(key, maxBytes, options = {}) {
      const { ifMatch } = options;
      try {
        const object = await s3.send(
          new GetObjectCommand({
            Bucket: bucket,
            Key: key,
            ...(maxBytes !== undefined ? { Range: `bytes=0-${Math.max(0, maxBytes - 1)}` } : {}),
            ...(ifMatch !== undefined ? { IfMatch: ifMatch } : {}),
          }),
        );
        // S3 answers a changed object with 412 (below); the local S3 ignores If-Match, so the answer's own ETag is
        // checked as well: either way, bytes of another version are never returned.
        if (ifMatch !== undefined && object.ETag !== ifMatch) {
          await object.Body?.transformToByteArray().catch(() => undefined);
          throw new ObjectChangedError(`${key} changed since it was checked`);
        }
        return object.Body ? await object.Body.transformToByteArray() : new Uint8Array();
      } catch (error) {
        if (isMissing(error)) return null;
        if (isPreconditionFailure(error))
          throw new ObjectChangedError(`${key} changed since it was checked`, { cause: error });
        throw error;
      }
    },

    async writeText(key, text) {
      await s3.send(
        new PutObjectCommand({ Bucket: bucket, Key: key, Body: text, ContentType: 'text/plain; charset=utf-8' }),
      );
    },
  };
}
