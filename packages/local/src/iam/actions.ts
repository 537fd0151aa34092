import { TABLE } from '@toolgate/core/resources';
import type { IamRequest, RequestContext } from './evaluate';

/**
 * Which IAM action on which resource ARN each AWS SDK command needs, as AWS's service authorization reference lists
 * them, with the request context keys toolgate's statements may condition on. A command missing here throws
 * (`UnmappedCommandError`): a new SDK call must be mapped before it can run locally, so it cannot slip past the
 * check. `COMMAND_SERVICES` is the list the per-tier test walks.
 */

export interface Partitioned {
  region: string;
  accountId: string;
}

type Input = Record<string, unknown>;
type Mapper = (input: Input, where: Partitioned) => IamRequest[];

export class UnmappedCommandError extends Error {
  override readonly name = 'UnmappedCommandError';
}

const str = (input: Input, field: string): string => {
  const value = input[field];
  if (typeof value !== 'string' || value === '') throw new Error(`The request has no ${field}.`);
  return value;
};

// --- DynamoDB ------------------------------------------------------------------------------------------------

/** A marshalled attribute value as IAM sees it in `dynamodb:LeadingKeys` (strings, numbers and binaries alike). */
function scalar(value: unknown): string | undefined {
  if (!value || typeof value !== 'object') return undefined;
  const { S, N, B } = value as { S?: string; N?: string; B?: Uint8Array };
  if (S !== undefined) return S;
  if (N !== undefined) return N;
  if (B !== undefined) return Buffer.from(B).toString('base64');
  return undefined;
}

/** The partition key attribute of the table or of the index a request reads. */
function partitionKeyOf(indexName: string | undefined): string {
  if (!indexName) return TABLE.partitionKey;
  const index = (TABLE.globalIndexes as Record<string, { partitionKey: string }>)[indexName];
  if (!index) throw new Error(`The table has no index ${indexName}.`);
  return index.partitionKey;
}

/** `pk = :v` (or `#n = :v`, either side) in a key condition: the partition key value a Query reads. */
function queriedPartition(input: Input, keyName: string): string | undefined {
  const expression = typeof input.KeyConditionExpression === 'string' ? input.KeyConditionExpression : '';
  const names = (input.ExpressionAttributeNames ?? {}) as Record<string, string>;
  const values = (input.ExpressionAttributeValues ?? {}) as Record<string, unknown>;
  const resolve = (token: string) => names[token] ?? token;
  for (const clause of expression.split(/\s+AND\s+/i)) {
    const match = /^\s*\(?\s*([#\w.:]+)\s*=\s*([#\w.:]+)\s*\)?\s*$/.exec(clause);
    if (!match) continue;
    const [, left = '', right = ''] = match;
    if (resolve(left) === keyName && right.startsWith(':')) return scalar(values[right]);
    if (resolve(right) === keyName && left.startsWith(':')) return scalar(values[left]);
  }
  return undefined;
}

function tableArn(input: Input, where: Partitioned): string {
  return `arn:aws:dynamodb:${where.region}:${where.accountId}:table/${str(input, 'TableName')}`;
}

const leadingKeys = (value: string | undefined): RequestContext =>
  value === undefined ? {} : { 'dynamodb:LeadingKeys': [value] };

const itemCommand =
  (action: string, itemField: 'Key' | 'Item'): Mapper =>
  (input, where) => {
    const item = (input[itemField] ?? {}) as Record<string, unknown>;
    return [
      {
        action,
        resource: tableArn(input, where),
        context: leadingKeys(scalar(item[TABLE.partitionKey])),
      },
    ];
  };

const readCommand =
  (action: string): Mapper =>
  (input, where) => {
    const indexName = typeof input.IndexName === 'string' ? input.IndexName : undefined;
    const resource = indexName ? `${tableArn(input, where)}/index/${indexName}` : tableArn(input, where);
    return [{ action, resource, context: leadingKeys(queriedPartition(input, partitionKeyOf(indexName))) }];
  };

const DYNAMODB: Record<string, Mapper> = {
  GetItemCommand: itemCommand('dynamodb:GetItem', 'Key'),
  PutItemCommand: itemCommand('dynamodb:PutItem', 'Item'),
  UpdateItemCommand: itemCommand('dynamodb:UpdateItem', 'Key'),
  DeleteItemCommand: itemCommand('dynamodb:DeleteItem', 'Key'),
  QueryCommand: readCommand('dynamodb:Query'),
  ScanCommand: readCommand('dynamodb:Scan'),
  BatchGetItemCommand: (input, where) =>
    Object.entries((input.RequestItems ?? {}) as Record<string, { Keys?: Record<string, unknown>[] }>).flatMap(
      ([table, request]) =>
        (request.Keys ?? []).map((key) => ({
          action: 'dynamodb:BatchGetItem',
          resource: tableArn({ TableName: table }, where),
          context: leadingKeys(scalar(key[TABLE.partitionKey])),
        })),
    ),
  BatchWriteItemCommand: (input, where) =>
    Object.entries(
      (input.RequestItems ?? {}) as Record<
        string,
        { PutRequest?: { Item: Record<string, unknown> }; DeleteRequest?: { Key: Record<string, unknown> } }[]
      >,
    ).flatMap(([table, requests]) =>
      requests.map((request) => ({
        action: 'dynamodb:BatchWriteItem',
        resource: tableArn({ TableName: table }, where),
        context: leadingKeys(scalar((request.PutRequest?.Item ?? request.DeleteRequest?.Key)?.[TABLE.partitionKey])),
      })),
    ),
  DescribeTableCommand: (input, where) => [{ action: 'dynamodb:DescribeTable', resource: tableArn(input, where) }],
};

// --- S3 ------------------------------------------------------------------------------------------------------

export const bucketArn = (bucket: string) => `arn:aws:s3:::${bucket}`;
const objectArn = (input: Input) => `${bucketArn(str(input, 'Bucket'))}/${str(input, 'Key')}`;
const objectCommand =
  (action: string): Mapper =>
  (input) => [{ action, resource: objectArn(input) }];

const S3: Record<string, Mapper> = {
  // HeadObject has no action of its own: it is authorized as GetObject.
  HeadObjectCommand: objectCommand('s3:GetObject'),
  GetObjectCommand: objectCommand('s3:GetObject'),
  // A PutObject that sets tags (`x-amz-tagging`) also needs PutObjectTagging on the object.
  PutObjectCommand: (input) => [
    { action: 's3:PutObject', resource: objectArn(input) },
    ...(input.Tagging ? [{ action: 's3:PutObjectTagging', resource: objectArn(input) }] : []),
  ],
  DeleteObjectCommand: objectCommand('s3:DeleteObject'),
  PutObjectTaggingCommand: objectCommand('s3:PutObjectTagging'),
  GetObjectTaggingCommand: objectCommand('s3:GetObjectTagging'),
  CopyObjectCommand: (input) => {
    const source = decodeURIComponent(str(input, 'CopySource').replace(/^\//, '').split('?')[0] ?? '');
    return [
      { action: 's3:GetObject', resource: `arn:aws:s3:::${source}` },
      { action: 's3:PutObject', resource: objectArn(input) },
    ];
  },
  ListObjectsV2Command: (input) => [
    {
      action: 's3:ListBucket',
      resource: bucketArn(str(input, 'Bucket')),
      context: (typeof input.Prefix === 'string' ? { 's3:prefix': [input.Prefix] } : {}) as RequestContext,
    },
  ],
  HeadBucketCommand: (input) => [{ action: 's3:ListBucket', resource: bucketArn(str(input, 'Bucket')) }],
};

// --- SQS -----------------------------------------------------------------------------------------------------

/** `https://host/<account>/<name>` → the queue's ARN. */
function queueArn(input: Input, where: Partitioned): string {
  const [account, name] = new URL(str(input, 'QueueUrl')).pathname.split('/').filter(Boolean);
  if (!account || !name) throw new Error(`Not a queue URL: ${String(input.QueueUrl)}`);
  return `arn:aws:sqs:${where.region}:${account}:${name}`;
}
const queueCommand =
  (action: string): Mapper =>
  (input, where) => [{ action, resource: queueArn(input, where) }];

const SQS: Record<string, Mapper> = {
  SendMessageCommand: queueCommand('sqs:SendMessage'),
  SendMessageBatchCommand: queueCommand('sqs:SendMessage'),
  ReceiveMessageCommand: queueCommand('sqs:ReceiveMessage'),
  DeleteMessageCommand: queueCommand('sqs:DeleteMessage'),
  DeleteMessageBatchCommand: queueCommand('sqs:DeleteMessage'),
  ChangeMessageVisibilityCommand: queueCommand('sqs:ChangeMessageVisibility'),
  ChangeMessageVisibilityBatchCommand: queueCommand('sqs:ChangeMessageVisibility'),
  GetQueueAttributesCommand: queueCommand('sqs:GetQueueAttributes'),
  PurgeQueueCommand: queueCommand('sqs:PurgeQueue'),
  GetQueueUrlCommand: (input, where) => [
    {
      action: 'sqs:GetQueueUrl',
      resource: `arn:aws:sqs:${where.region}:${
        typeof input.QueueOwnerAWSAccountId === 'string' ? input.QueueOwnerAWSAccountId : where.accountId
      }:${str(input, 'QueueName')}`,
    },
  ],
};

// --- Step Functions ------------------------------------------------------------------------------------------

const SFN: Record<string, Mapper> = {
  StartExecutionCommand: (input) => [{ action: 'states:StartExecution', resource: str(input, 'stateMachineArn') }],
  StartSyncExecutionCommand: (input) => [
    { action: 'states:StartSyncExecution', resource: str(input, 'stateMachineArn') },
  ],
  DescribeExecutionCommand: (input) => [{ action: 'states:DescribeExecution', resource: str(input, 'executionArn') }],
  StopExecutionCommand: (input) => [{ action: 'states:StopExecution', resource: str(input, 'executionArn') }],
};

// --- Bedrock -------------------------------------------------------------------------------------------------

/** Cross-region inference profiles are named after their geography (`us.anthropic...`, `global.amazon...`). */
const INFERENCE_PROFILE = /^(us|us-gov|eu|apac|ca|jp|au|global)\./;

/** A model id, inference profile id or ARN → the resource Bedrock authorizes the invocation on. */
export function modelArn(modelId: string, where: Partitioned): string {
  if (modelId.startsWith('arn:')) return modelId;
  return INFERENCE_PROFILE.test(modelId)
    ? `arn:aws:bedrock:${where.region}:${where.accountId}:inference-profile/${modelId}`
    : `arn:aws:bedrock:${where.region}::foundation-model/${modelId}`;
}
const modelCommand =
  (action: string): Mapper =>
  (input, where) => [{ action, resource: modelArn(str(input, 'modelId'), where) }];

const BEDROCK: Record<string, Mapper> = {
  ConverseCommand: modelCommand('bedrock:InvokeModel'),
  InvokeModelCommand: modelCommand('bedrock:InvokeModel'),
  ConverseStreamCommand: modelCommand('bedrock:InvokeModelWithResponseStream'),
  InvokeModelWithResponseStreamCommand: modelCommand('bedrock:InvokeModelWithResponseStream'),
};

/** Mapped commands by SDK client name (`context.clientName` in a middleware). */
export const COMMAND_SERVICES: Record<string, Record<string, Mapper>> = {
  DynamoDBClient: DYNAMODB,
  S3Client: S3,
  SQSClient: SQS,
  SFNClient: SFN,
  BedrockRuntimeClient: BEDROCK,
};

/** The IAM requests one SDK call makes; every one of them must be allowed. */
export function iamRequestsFor(clientName: string, commandName: string, input: Input, where: Partitioned) {
  const mapper = COMMAND_SERVICES[clientName]?.[commandName];
  if (!mapper) {
    throw new UnmappedCommandError(
      `The local IAM check does not know which IAM action ${clientName} ${commandName} needs: map it in ` +
        'packages/local/src/iam/actions.ts (or set TOOLGATE_LOCAL_IAM=off to run without the check).',
    );
  }
  return mapper(input, where);
}
