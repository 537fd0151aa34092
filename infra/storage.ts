import { PENDING_UPLOAD_TAG } from '../packages/core/src/deploy/access';
import { tableName } from '../packages/core/src/deploy/stages';
import { JOB_RESULT_RETENTION_DAYS, JOB_RESULT_TAG, TABLE, UPLOADS_BUCKET } from '../packages/core/src/resources';
import { settings } from './stage';

/** The single table, from the definition the local emulators use too (packages/core/src/resources.ts). */
export const table = new sst.aws.Dynamo(
  'Database',
  {
    fields: TABLE.attributes,
    primaryIndex: { hashKey: TABLE.partitionKey, rangeKey: TABLE.sortKey },
    globalIndexes: {
      gsi1: { hashKey: TABLE.globalIndexes.gsi1.partitionKey, rangeKey: TABLE.globalIndexes.gsi1.sortKey },
    },
    // DynamoDB deletes expired items eventually (up to ~48 h later); reads filter them, so nothing depends on it.
    ttl: TABLE.ttlAttribute,
    // Tied to `retain`, not to `protect`: turning protection off to tear a stage down must not switch these off.
    deletionProtection: settings.retain,
    transform: {
      // A fixed name (`pnpm seed` finds it). SST turns point-in-time recovery on everywhere; it is a per-GB cost
      // worth paying for data the stage keeps only.
      table: (args) => {
        args.name = tableName($app.stage);
        args.pointInTimeRecovery = { enabled: settings.retain };
      },
    },
  },
  { retainOnDelete: settings.retain },
);

/** Uploads and large job results, under `users/{sub}/...`. Browsers upload straight here by presigned POST. */
export const uploads = new sst.aws.Bucket(
  'UploadsBucket',
  {
    // A bucket policy denies every request that is not TLS (aws:SecureTransport = false).
    enforceHttps: true,
    transform: {
      // SST force-empties a bucket it deletes; a bucket whose stage retains data is never emptied by a deploy or remove.
      bucket: (args) => {
        args.forceDestroy = !settings.retain;
      },
    },
    cors:
      settings.allowedOrigins.length === 0
        ? false
        : {
            allowOrigins: settings.allowedOrigins,
            allowMethods: ['POST', 'GET'],
            allowHeaders: ['*'],
            exposeHeaders: ['ETag', 'Location'],
            maxAge: '1 hour',
          },
  },
  // Retained with its policy, public-access block and CORS (the component's children), not only the bucket itself.
  { retainOnDelete: settings.retain },
);

/**
 * Abandoned uploads: a presigned POST tags the object `toolgate-upload=pending`, claiming it re-tags it, and this
 * rule deletes what nobody claimed. SST's `lifecycle` shorthand has no tag filter, hence a plain resource.
 */
new aws.s3.BucketLifecycleConfiguration('UploadsLifecycle', {
  bucket: uploads.name,
  rules: [
    {
      id: 'expire-unclaimed-uploads',
      status: 'Enabled',
      filter: { tag: { key: PENDING_UPLOAD_TAG.key, value: PENDING_UPLOAD_TAG.value } },
      expiration: { days: UPLOADS_BUCKET.abandonedUploadDays },
    },
    {
      id: 'expire-job-results',
      status: 'Enabled',
      filter: { tag: { key: JOB_RESULT_TAG.key, value: JOB_RESULT_TAG.value } },
      expiration: { days: JOB_RESULT_RETENTION_DAYS },
    },
    {
      id: 'abort-incomplete-multipart-uploads',
      status: 'Enabled',
      filter: { prefix: '' },
      abortIncompleteMultipartUpload: { daysAfterInitiation: UPLOADS_BUCKET.abandonedUploadDays },
    },
  ],
});

/*
 * The Lambdas link these instead of the components themselves: linking `table` would also grant `dynamodb:*`.
 * Each tier gets its own narrow IAM statements instead (infra/functions.ts). The names are the ones
 * packages/core/src/config.ts reads.
 */
export const tableLink = new sst.Linkable('Table', { properties: { name: table.name } });
export const uploadsLink = new sst.Linkable('Uploads', { properties: { name: uploads.name } });
