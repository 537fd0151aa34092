import { DEFAULT_BEDROCK_MODEL_ID } from '../agent/config';
import { GATEWAY_LIMITS, type Tier } from '../concurrency';
import { INDEX_PARTITION, PARTITION } from '../data/keys';
import { UPLOADS_BUCKET, WORKER_TIMEOUT_SECONDS } from '../resources';
import { INGESTION_STEP_TIMEOUT_SECONDS } from '../workflows/ingestion';
import type { StageModel } from './stages';

/**
 * Least privilege as data. An SST `link` to a table, bucket or queue grants `dynamodb:*`, `s3:*` or `sqs:*`;
 * toolgate links only names (no permissions) and gives each tier's function exactly these actions, so a bug or
 * a compromised dependency in the public tier cannot write a byte. Tests read this table; infra turns it into
 * IAM statements (`infra/functions.ts`, through `iamStatements` below).
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
  /** `bedrock:InvokeModel` on the stage's configured model (or inference profile) only: see `modelStatements`. */
  invokeModels: boolean;
  /**
   * Partition keys (`dynamodb:LeadingKeys`) the tier may read, on the table and on its index; `null` for any key. A
   * tier that may only read public data names its partitions, so a bug cannot read a user's items.
   */
  leadingKeys: { table: readonly string[]; index: readonly string[] } | null;
}

const READ: readonly TableAction[] = ['dynamodb:GetItem', 'dynamodb:Query'];
const READ_WRITE: readonly TableAction[] = [...READ, 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'];

/**
 * The catalog's partitions (packages/core/src/catalog/aws/repository.ts): products are `pk = PRODUCT#<id>` (GetItem),
 * listed through `gsi1` with `gsi1pk = CATALOG` (Query). For a Query on an index, the partition key value in the
 * request is the index's (`gsi1pk`), so the index statement names `CATALOG`; the table statement names the products.
 * Sources: AWS, "Using IAM policy conditions for fine-grained access control" (LeadingKeys is the partition key, with
 * `ForAllValues`); tested on AWS by https://matt.martz.codes/lock-down-dynamodb-with-iam-policy-conditions (a GSI's
 * own partition key is what LeadingKeys matches on a Query of the index). Not run against AWS from this repository.
 */
export const CATALOG_LEADING_KEYS = {
  table: [`${PARTITION.product}*`],
  index: [INDEX_PARTITION.catalog],
} as const;

export const TIER_ACCESS: Record<Tier, TierAccess> = {
  // Catalog reads only: a flood of anonymous requests can never turn into a write bill, and only catalog partitions,
  // so a bug in the public tier cannot read a user's items.
  public: {
    table: READ,
    uploads: [],
    jobsQueue: [],
    startIngestion: false,
    invokeModels: false,
    leadingKeys: CATALOG_LEADING_KEYS,
  },
  // Users, rate-limit counters, jobs and documents; signs presigned POSTs (the signer needs PutObject and, for the
  // pending-upload tag, PutObjectTagging); queues jobs and starts ingestion.
  api: {
    table: READ_WRITE,
    uploads: ['s3:GetObject', 's3:PutObject', 's3:PutObjectTagging', 's3:DeleteObject'],
    jobsQueue: ['sqs:SendMessage'],
    startIngestion: true,
    invokeModels: true,
    leadingKeys: null,
  },
  // Updates plans and keeps idempotency records; never touches objects, jobs or models.
  webhook: {
    table: READ_WRITE,
    uploads: [],
    jobsQueue: [],
    startIngestion: false,
    invokeModels: false,
    leadingKeys: null,
  },
  // Consumes the queue (what the event source mapping needs), writes results.
  worker: {
    table: READ_WRITE,
    uploads: ['s3:GetObject', 's3:PutObject', 's3:PutObjectTagging'],
    jobsQueue: ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:ChangeMessageVisibility', 'sqs:GetQueueAttributes'],
    startIngestion: false,
    invokeModels: true,
    leadingKeys: null,
  },
  // Reads the upload, stores extracted text and summary, claims (re-tags) or deletes the upload.
  steps: {
    table: READ_WRITE,
    uploads: ['s3:GetObject', 's3:PutObject', 's3:PutObjectTagging', 's3:DeleteObject'],
    jobsQueue: [],
    startIngestion: false,
    invokeModels: true,
    leadingKeys: null,
  },
};

/** The resources a tier's statements are scoped to; a tier that needs one that is missing is a deploy error. */
export interface AccessTargets {
  accountId: string;
  /** The account's partition (`aws`, `aws-cn`, `aws-us-gov`): part of every ARN built here. Default `aws`. */
  partition?: string;
  /** The stage's region: where a model without its own `region` is called. Needed by tiers that invoke models. */
  region?: string;
  /** The stage's model (`StageSettings.model`); only a Bedrock model gets a Bedrock grant. Default: Bedrock's default. */
  model?: StageModel;
  tableArn: string;
  bucketArn: string;
  jobsQueueArn?: string;
  ingestionArn?: string;
}

export interface IamStatement {
  actions: string[];
  resources: string[];
  /** IAM `Condition`: operator (e.g. `ForAllValues:StringLike`) -> condition key (e.g. `dynamodb:LeadingKeys`) -> values. */
  conditions?: Record<string /* operator */, Record<string /* condition key */, string[]>>;
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
  // ForAllValues: every partition key value in the request must match (a GetItem or Query always names one).
  const leading = (keys: readonly string[] | undefined) =>
    keys ? { conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [...keys] } } } : {};
  if (access.table.length > 0) {
    statements.push({
      actions: [...access.table],
      resources: [targets.tableArn],
      ...leading(access.leadingKeys?.table),
    });
  }
  if (access.table.includes('dynamodb:Query')) {
    statements.push({
      actions: ['dynamodb:Query'],
      resources: [`${targets.tableArn}/index/*`],
      ...leading(access.leadingKeys?.index),
    });
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
  if (access.invokeModels) statements.push(...modelStatements(targets, tier));
  return statements;
}

/**
 * Where each system-defined (cross-Region) inference profile prefix may route a request: the destination Regions
 * AWS lists per geography, as Region patterns. `global.` routes to any commercial Region.
 */
export const INFERENCE_PROFILE_REGIONS: Record<string, string> = {
  us: 'us-*',
  'us-gov': 'us-gov-*',
  eu: 'eu-*',
  apac: 'ap-*',
  jp: 'ap-northeast-*',
  au: 'ap-southeast-*',
  ca: 'ca-*',
  global: '*',
};

const PROFILE_PREFIX = new RegExp(
  `^(${Object.keys(INFERENCE_PROFILE_REGIONS)
    .sort((a, b) => b.length - a.length)
    .join('|')})\\.(.+)$`,
);

/** What Converse needs, and ConverseStream (the streamed chat, issue 18): the same model, read as a stream. */
export const MODEL_ACTIONS = ['bedrock:InvokeModel', 'bedrock:InvokeModelWithResponseStream'];

/**
 * `MODEL_ACTIONS` (Converse and ConverseStream) on the configured model only, in the stage's
 * partition. A foundation model id (`amazon.nova-lite-v1:0`) is granted in its one Region. A system-defined inference
 * profile id (`us.`, `eu.`, `global.`... prefix) is granted as the profile in the calling Region, plus the underlying
 * foundation model in every Region the profile routes to (AWS requires both), and that second grant only through
 * this profile (`bedrock:InferenceProfileArn`). A non-Bedrock model gets no Bedrock access at all.
 */
export function modelStatements(targets: AccessTargets, tier: Tier = 'api'): IamStatement[] {
  const model = targets.model ?? { provider: 'bedrock' as const };
  if (model.provider !== 'bedrock') return [];
  const partition = targets.partition ?? 'aws';
  const modelId = model.modelId ?? DEFAULT_BEDROCK_MODEL_ID;
  const region = model.region ?? required(targets.region, 'the stage region (to grant its model)', tier);
  if (modelId.startsWith('arn:')) {
    throw new Error(
      `Model "${modelId}": name a foundation model id or a system inference profile id, not an ARN (its grant is built here)`,
    );
  }
  const profile = PROFILE_PREFIX.exec(modelId);
  if (!profile) {
    return [
      {
        actions: [...MODEL_ACTIONS],
        resources: [`arn:${partition}:bedrock:${region}::foundation-model/${modelId}`],
      },
    ];
  }
  const [, geography, foundationModel] = profile as unknown as [string, string, string];
  const profileArn = `arn:${partition}:bedrock:${region}:${targets.accountId}:inference-profile/${modelId}`;
  const destinations = INFERENCE_PROFILE_REGIONS[geography] as string;
  const routed = [`arn:${partition}:bedrock:${destinations}::foundation-model/${foundationModel}`];
  // Global profiles are also authorized against the Region-less foundation model ARN.
  if (geography === 'global') routed.push(`arn:${partition}:bedrock:::foundation-model/${foundationModel}`);
  return [
    { actions: [...MODEL_ACTIONS], resources: [profileArn] },
    {
      actions: [...MODEL_ACTIONS],
      resources: routed,
      conditions: { StringEquals: { 'bedrock:InferenceProfileArn': [profileArn] } },
    },
  ];
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
  steps: {
    timeoutSeconds: INGESTION_STEP_TIMEOUT_SECONDS,
    memoryMb: 1024,
    description: 'steps: document ingestion workflow tasks',
  },
};
