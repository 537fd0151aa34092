/**
 * Definitions of the stateful resources, shared by infra (what gets deployed) and the local runtime (what the
 * emulators create), so both always agree on keys, indexes and queue policies.
 */

/** The single DynamoDB table. Every key that belongs to a user starts from the verified `sub`. */
export const TABLE = {
  partitionKey: 'pk',
  sortKey: 'sk',
  attributes: { pk: 'string', sk: 'string', gsi1pk: 'string', gsi1sk: 'string' },
  globalIndexes: { gsi1: { partitionKey: 'gsi1pk', sortKey: 'gsi1sk' } },
  /** Epoch seconds. DynamoDB deletes expired items eventually (within ~48 h), so reads filter them too. */
  ttlAttribute: 'expiresAt',
} as const;

/** The uploads bucket: objects live under `users/{sub}/...`. */
export const UPLOADS_BUCKET = {
  userPrefix: 'users/',
  /** Incomplete multipart uploads and unclaimed uploads are removed after this many days. */
  abandonedUploadDays: 1,
  uploadPrefix: (sub: string) => `users/${sub}/uploads/`,
  resultPrefix: (sub: string) => `users/${sub}/results/`,
  /** Text extracted from a user's uploaded documents by the ingestion workflow. */
  documentPrefix: (sub: string) => `users/${sub}/documents/`,
} as const;

/**
 * Large job results are tagged so that a lifecycle rule can expire them (a prefix filter cannot match
 * `users/<any sub>/results/`). Kept as long as the job records that point at them.
 */
export const JOB_RESULT_TAG = { key: 'toolgate-object', value: 'job-result' } as const;
export const JOB_RESULT_RETENTION_DAYS = 30;

/** Worker Lambda timeout; the queue's visibility timeout must be at least 6× it (AWS's guidance). */
export const WORKER_TIMEOUT_SECONDS = 300;

export const JOBS_QUEUE = {
  visibilityTimeoutSeconds: WORKER_TIMEOUT_SECONDS * 6,
  maxReceiveCount: 3,
  batchSize: 5,
  batchWindowSeconds: 1,
  messageRetentionSeconds: 4 * 24 * 3600,
  dlqRetentionSeconds: 14 * 24 * 3600,
} as const;
