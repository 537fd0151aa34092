import type { AuthConfig } from '@toolgate/core/auth/config';

export interface LocalEnvInput {
  stage: string;
  region: string;
  tableName: string;
  bucketName: string;
  jobsQueueUrl: string;
  /** The ingestion state machine, as registered with the Step Functions emulator. */
  ingestionArn: string;
  allowedOrigins: readonly string[];
  auth: Extract<AuthConfig, { kind: 'local' }>;
  /** Signs pagination cursors; a fresh random value per runtime (cursors of an earlier run are then stale: 400). */
  cursorSigningKey: string;
  endpoints: { dynamodb: string; s3: string; sqs: string; stepfunctions: string };
}

/**
 * Dummy credentials: s3rver checks only the key id, and the others check nothing. Real credentials must never be
 * sent to an emulator (or a misconfigured client to AWS), so these always replace whatever the shell had.
 */
export const LOCAL_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } as const;

/** The variables core's config module and the AWS SDK read in local mode. */
export function localEnvironment(input: LocalEnvInput): Record<string, string> {
  return {
    TOOLGATE_STAGE: input.stage,
    AWS_REGION: input.region,
    AWS_DEFAULT_REGION: input.region,
    // What Lambda sets for an on-demand instance: Powertools then reports each tier's first invocation as its cold
    // start (the `cold_start` log key, the ColdStart metric), as deployed.
    AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
    AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
    AWS_ENDPOINT_URL_DYNAMODB: input.endpoints.dynamodb,
    AWS_ENDPOINT_URL_S3: input.endpoints.s3,
    AWS_ENDPOINT_URL_SQS: input.endpoints.sqs,
    AWS_ENDPOINT_URL_SFN: input.endpoints.stepfunctions,
    TOOLGATE_TABLE_NAME: input.tableName,
    TOOLGATE_BUCKET_NAME: input.bucketName,
    TOOLGATE_JOBS_QUEUE_URL: input.jobsQueueUrl,
    TOOLGATE_INGESTION_ARN: input.ingestionArn,
    TOOLGATE_ALLOWED_ORIGINS: input.allowedOrigins.join(','),
    TOOLGATE_AUTH: JSON.stringify(input.auth),
    TOOLGATE_CURSOR_SIGNING_KEY: input.cursorSigningKey,
  };
}

/** Variables that would make the SDK or core's config look somewhere other than the emulators. */
const CONFLICTING = ['AWS_SESSION_TOKEN', 'AWS_PROFILE', 'AWS_ENDPOINT_URL', 'SST_RESOURCE_App', 'SST_KEY_FILE'];

export function applyEnvironment(variables: Record<string, string>, env: NodeJS.ProcessEnv = process.env): void {
  for (const name of CONFLICTING) delete env[name];
  Object.assign(env, variables);
}
