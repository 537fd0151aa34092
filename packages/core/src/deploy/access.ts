import { GATEWAY_LIMITS, type Tier } from '../concurrency';
import { UPLOADS_BUCKET, WORKER_TIMEOUT_SECONDS } from '../resources';

/**
 * Least privilege as data. An SST `link` to a table, bucket or queue grants `dynamodb:*`, `s3:*` or `sqs:*`;
 * toolgate links only names (no permissions) and gives each tier's function exactly these actions, so a bug or
 * a compromised dependency in the public tier cannot write a byte. Tests read this table; infra turns it into
 * IAM statements (`infra/access.ts`).
 */

export type TableAction =
  | 'dynamodb:GetItem'
  | 'dynamodb:Query'
  | 'dynamodb:PutItem'
  | 'dynamodb:UpdateItem'
  | 'dynamodb:DeleteItem';

/** Object actions, granted on `users/*` only (every object key starts with the owner's `sub`). */
export type UploadsAction = 's3:GetObject' | 's3:PutObject' | 's3:PutObjectTagging' | 's3:DeleteObject';

export type QueueAction =
  | 'sqs:SendMessage'
  | 'sqs:ReceiveMessage'
  | 'sqs:DeleteMessage'
  | 'sqs:ChangeMessageVisibility'
  | 'sqs:GetQueueAttributes';

export interface TierAccess {
  /** On the table; `dynamodb:Query` is also granted on its indexes. */
  table: readonly TableAction[];
  uploads: readonly UploadsAction[];
  jobsQueue: readonly QueueAction[];
  /** `states:StartExecution` on the ingestion state machine. */
  startIngestion: boolean;
  /** `bedrock:InvokeModel*` on foundation models and inference profiles (narrow to your model in your fork). */
  invokeModels: boolean;
}

const READ: readonly TableAction[] = ['dynamodb:GetItem', 'dynamodb:Query'];
const READ_WRITE: readonly TableAction[] = [...READ, 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'];

export const TIER_ACCESS: Record<Tier, TierAccess> = {
  // Catalog reads only: a flood of anonymous requests can never turn into a write bill.
  public: { table: READ, uploads: [], jobsQueue: [], startIngestion: false, invokeModels: false },
  // Users, rate-limit counters, jobs and documents; signs presigned POSTs (the signer needs PutObject and, for the
  // pending-upload tag, PutObjectTagging); queues jobs and starts ingestion.
  api: {
    table: READ_WRITE,
    uploads: ['s3:GetObject', 's3:PutObject', 's3:PutObjectTagging', 's3:DeleteObject'],
    jobsQueue: ['sqs:SendMessage'],
    startIngestion: true,
    invokeModels: true,
  },
  // Updates plans and keeps idempotency records; never touches objects, jobs or models.
  webhook: { table: READ_WRITE, uploads: [], jobsQueue: [], startIngestion: false, invokeModels: false },
  // Consumes the queue (what the event source mapping needs), writes results.
  worker: {
    table: READ_WRITE,
    uploads: ['s3:GetObject', 's3:PutObject', 's3:PutObjectTagging'],
    jobsQueue: ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:ChangeMessageVisibility', 'sqs:GetQueueAttributes'],
    startIngestion: false,
    invokeModels: true,
  },
  // Reads the upload, stores extracted text and summary, claims (re-tags) or deletes the upload.
  steps: {
    table: READ_WRITE,
    uploads: ['s3:GetObject', 's3:PutObject', 's3:PutObjectTagging', 's3:DeleteObject'],
    jobsQueue: [],
    startIngestion: false,
    invokeModels: true,
  },
};

/** The resources a tier's statements are scoped to; a tier that needs one that is missing is a deploy error. */
export interface AccessTargets {
  accountId: string;
  tableArn: string;
  bucketArn: string;
  jobsQueueArn?: string;
  ingestionArn?: string;
}

export interface IamStatement {
  actions: string[];
  resources: string[];
  /** IAM's `Condition` block: operator (e.g. `ForAllValues:StringLike`) → context key → values. */
  conditions?: Record<string, Record<string, string[]>>;
}

/**
 * The ingestion state machine's role: it may invoke the steps function (any version or alias of it) and nothing
 * else. Infra deploys it (`infra/workflows.ts`); the local Step Functions emulator checks each invoke against it.
 */
export function stateMachineStatements(stepsFunctionArn: string): IamStatement[] {
  return [{ actions: ['lambda:InvokeFunction'], resources: [stepsFunctionArn, `${stepsFunctionArn}:*`] }];
}

function required(value: string | undefined, what: string, tier: Tier): string {
  if (!value) throw new Error(`The ${tier} tier needs access to ${what}, but infra passed no ARN for it`);
  return value;
}

/** The IAM statements of one tier's function: `TIER_ACCESS` applied to this stage's resource ARNs. */
export function iamStatements(tier: Tier, targets: AccessTargets): IamStatement[] {
  const access = TIER_ACCESS[tier];
  const statements: IamStatement[] = [];
  if (access.table.length > 0) statements.push({ actions: [...access.table], resources: [targets.tableArn] });
  if (access.table.includes('dynamodb:Query')) {
    statements.push({ actions: ['dynamodb:Query'], resources: [`${targets.tableArn}/index/*`] });
  }
  if (access.uploads.length > 0) {
    statements.push({
      actions: [...access.uploads],
      resources: [`${targets.bucketArn}/${UPLOADS_BUCKET.userPrefix}*`],
    });
  }
  if (access.jobsQueue.length > 0) {
    statements.push({
      actions: [...access.jobsQueue],
      resources: [required(targets.jobsQueueArn, 'the jobs queue', tier)],
    });
  }
  if (access.startIngestion) {
    statements.push({
      actions: ['states:StartExecution'],
      resources: [required(targets.ingestionArn, 'the ingestion state machine', tier)],
    });
  }
  if (access.invokeModels) {
    statements.push({
      actions: ['bedrock:InvokeModel', 'bedrock:InvokeModelWithResponseStream'],
      // Cross-region inference profiles route to foundation models in other regions, hence the region wildcard.
      resources: [
        'arn:aws:bedrock:*::foundation-model/*',
        `arn:aws:bedrock:*:${targets.accountId}:inference-profile/*`,
      ],
    });
  }
  return statements;
}

/** The S3 object tag that marks an upload nobody has claimed yet; a lifecycle rule expires tagged objects. */
export const PENDING_UPLOAD_TAG = { key: 'toolgate-upload', value: 'pending' } as const;

export interface TierRuntime {
  timeoutSeconds: number;
  memoryMb: number;
  description: string;
}

/** Function settings per tier. HTTP tiers stop before the gateway's 30 s integration timeout gives up on them. */
export const TIER_RUNTIME: Record<Tier, TierRuntime> = {
  public: { timeoutSeconds: 10, memoryMb: 1024, description: 'public tier: catalog, health, OpenAPI' },
  api: {
    timeoutSeconds: GATEWAY_LIMITS.integrationTimeoutMs / 1000 - 1,
    memoryMb: 1024,
    description: 'api tier: chat, tools, MCP, uploads, jobs, me',
  },
  webhook: { timeoutSeconds: 15, memoryMb: 512, description: 'webhook tier: Stripe' },
  worker: { timeoutSeconds: WORKER_TIMEOUT_SECONDS, memoryMb: 1024, description: 'worker: inference jobs from SQS' },
  steps: { timeoutSeconds: 120, memoryMb: 1024, description: 'steps: document ingestion workflow tasks' },
};
