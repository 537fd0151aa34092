import { ConverseCommand } from '@aws-sdk/client-bedrock-runtime';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import {
  CreateBucketCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { StartExecutionCommand } from '@aws-sdk/client-sfn';
import { CreateQueueCommand, SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { createBedrockClient } from '@toolgate/core/agent/providers/bedrock';
import { createDocumentClient } from '@toolgate/core/data/dynamo';
import type { IamStatement } from '@toolgate/core/deploy/access';
import { createSqsClient } from '@toolgate/core/jobs/aws/queue';
import { createS3Client, createUploadStorage } from '@toolgate/core/uploads/aws/storage';
import { createSfnClient } from '@toolgate/core/workflows/aws/starter';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startDynamoDb } from '../emulators/dynamodb';
import { startS3 } from '../emulators/s3';
import { startSqs } from '../emulators/sqs';
import type { Emulator } from '../emulators/types';
import { LOCAL_CREDENTIALS } from '../local-env';
import { ensureTable } from '../resources/provision';
import { installLocalIam, type LocalIam, type LocalIdentity, runAs } from './index';

/**
 * The check as the tiers meet it: clients from core's own factories (so the plugin hook is exercised), real
 * emulators behind them, and AWS's answers to a denied call, through the SDK's own deserializers.
 */

const REGION = 'us-east-1';
const ACCOUNT = '000000000000';
const TABLE = 'toolgate-local';
const BUCKET = 'toolgate-local-uploads';
const UNREACHABLE = 'http://127.0.0.1:9';

let emulators: Emulator[];
let iam: LocalIam;
let doc: ReturnType<typeof createDocumentClient>;
let s3: S3Client;
let sqs: SQSClient;
let queueUrl: string;

const role = (tier: string) =>
  `arn:aws:sts::${ACCOUNT}:assumed-role/toolgate-local-${tier}-role/toolgate-local-${tier}`;
const as = <T>(tier: keyof LocalIam['identities'], fn: () => Promise<T>) => runAs(iam.identities[tier], fn);
const custom = (statements: IamStatement[]): LocalIdentity => ({ principalArn: role('custom'), statements });

/** What the SDK threw: the parts of an AWS error a caller (and toolgate's error mapping) looks at. */
async function failure(call: Promise<unknown>) {
  const error = (await call.then(
    () => {
      throw new Error('the call succeeded');
    },
    (caught: unknown) => caught,
  )) as { name: string; message: string; $metadata: { httpStatusCode?: number }; $fault?: string };
  return { name: error.name, status: error.$metadata.httpStatusCode, message: error.message, fault: error.$fault };
}

beforeAll(async () => {
  const [dynamodb, s3rver, sqsServer] = await Promise.all([
    startDynamoDb(),
    startS3({ region: REGION }),
    startSqs({ region: REGION, accountId: ACCOUNT }),
  ]);
  emulators = [dynamodb, s3rver, sqsServer];
  vi.stubEnv('AWS_ACCESS_KEY_ID', LOCAL_CREDENTIALS.accessKeyId);
  vi.stubEnv('AWS_SECRET_ACCESS_KEY', LOCAL_CREDENTIALS.secretAccessKey);
  vi.stubEnv('AWS_ENDPOINT_URL_S3', s3rver.endpoint);
  vi.stubEnv('AWS_ENDPOINT_URL_SQS', sqsServer.endpoint);
  // Provisioning, as the runtime does it, before the check is installed.
  await ensureTable(
    new DynamoDBClient({ region: REGION, endpoint: dynamodb.endpoint, credentials: LOCAL_CREDENTIALS }),
    TABLE,
  );
  const adminS3 = createS3Client({ region: REGION, local: true });
  await adminS3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  const adminSqs = createSqsClient({ region: REGION });
  queueUrl = (await adminSqs.send(new CreateQueueCommand({ QueueName: 'toolgate-local-jobs' }))).QueueUrl as string;

  iam = installLocalIam({
    stage: 'local',
    region: REGION,
    accountId: ACCOUNT,
    tableName: TABLE,
    bucketName: BUCKET,
    jobsQueueUrl: queueUrl,
    ingestionArn: `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:toolgate-local-ingestion`,
  });
  doc = createDocumentClient({ region: REGION, endpoint: dynamodb.endpoint, credentials: LOCAL_CREDENTIALS });
  s3 = createS3Client({ region: REGION, local: true });
  sqs = createSqsClient({ region: REGION });
});

afterAll(async () => {
  iam?.stop();
  vi.unstubAllEnvs();
  await Promise.all(emulators.map((emulator) => emulator.stop()));
});

describe('a denied call fails as AWS fails it', () => {
  it('DynamoDB: AccessDeniedException, 400, and the write never happens', async () => {
    const item = { pk: 'CATALOG#denied', sk: 'PRODUCT' };
    expect(await failure(as('public', () => doc.send(new PutCommand({ TableName: TABLE, Item: item }))))).toEqual({
      name: 'AccessDeniedException',
      status: 400,
      fault: 'client',
      message:
        `User: ${role('public')} is not authorized to perform: dynamodb:PutItem on resource: ` +
        `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/${TABLE} because no identity-based policy allows the ` +
        'dynamodb:PutItem action',
    });
    expect((await doc.send(new GetCommand({ TableName: TABLE, Key: item }))).Item).toBeUndefined();
  });

  it('S3: AccessDenied, 403, with the resource quoted as S3 quotes it', async () => {
    const key = 'users/alice/uploads/denied';
    expect(
      await failure(as('webhook', () => s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: 'x' })))),
    ).toEqual({
      name: 'AccessDenied',
      status: 403,
      fault: 'client',
      message:
        `User: ${role('webhook')} is not authorized to perform: s3:PutObject on resource: ` +
        `"arn:aws:s3:::${BUCKET}/${key}" because no identity-based policy allows the s3:PutObject action`,
    });
    expect((await failure(s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key })))).status).toBe(404);
  });

  it('SQS: AccessDenied (its query-protocol code, which the SDK reads from the JSON answer), 403', async () => {
    const denied = await failure(
      as('worker', () => sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: '{}' }))),
    );
    expect(denied).toEqual({
      name: 'AccessDenied',
      status: 403,
      fault: 'client',
      message:
        `User: ${role('worker')} is not authorized to perform: sqs:sendmessage on resource: ` +
        `arn:aws:sqs:${REGION}:${ACCOUNT}:toolgate-local-jobs because no identity-based policy allows the sqs:sendmessage action`,
    });
  });

  it('Step Functions: AccessDeniedException, 400 (the emulator is never reached)', async () => {
    const sfn = createSfnClient({
      region: REGION,
      endpoint: UNREACHABLE,
      credentials: LOCAL_CREDENTIALS,
      maxAttempts: 1,
    });
    const stateMachineArn = `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:toolgate-local-ingestion`;
    expect(
      await failure(as('steps', () => sfn.send(new StartExecutionCommand({ stateMachineArn, input: '{}' })))),
    ).toEqual({
      name: 'AccessDeniedException',
      status: 400,
      fault: 'client',
      message: `User: ${role('steps')} is not authorized to perform: states:StartExecution on resource: ${stateMachineArn} because no identity-based policy allows the states:StartExecution action`,
    });
  });

  it('Bedrock: AccessDeniedException, 403, on the model ARN the id resolves to', async () => {
    const bedrock = createBedrockClient(REGION);
    bedrock.config.endpoint = async () => new URL(UNREACHABLE) as never;
    const call = as('public', () =>
      bedrock.send(
        new ConverseCommand({
          modelId: 'amazon.nova-lite-v1:0',
          messages: [{ role: 'user', content: [{ text: 'hi' }] }],
        }),
      ),
    );
    expect(await failure(call)).toEqual({
      name: 'AccessDeniedException',
      status: 403,
      fault: 'client',
      message: `User: ${role('public')} is not authorized to perform: bedrock:InvokeModel on resource: arn:aws:bedrock:${REGION}::foundation-model/amazon.nova-lite-v1:0 because no identity-based policy allows the bedrock:InvokeModel action`,
    });
  });
});

describe('attribution', () => {
  it('judges each call as the tier running it, concurrently, and lets the runtime’s own calls pass', async () => {
    const item = (n: number) => ({ pk: `USER#attr${n}`, sk: 'PROFILE' });
    const put = (n: number) => doc.send(new PutCommand({ TableName: TABLE, Item: item(n) }));
    const results = await Promise.allSettled([
      as('api', () => put(1)),
      as('public', () => put(2)),
      as('webhook', () => put(3)),
      put(4),
    ]);
    expect(results.map((result) => result.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
  });

  it('a client bound to one role (the queue poller, as the worker) is judged as that role everywhere', async () => {
    const { SQSClient } = await import('@aws-sdk/client-sqs');
    const poller = new SQSClient({
      region: REGION,
      endpoint: new URL(queueUrl).origin,
      credentials: LOCAL_CREDENTIALS,
    });
    poller.middlewareStack.use(iam.pluginFor('worker'));
    expect((await failure(poller.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: '{}' })))).status).toBe(
      403,
    );
    poller.destroy();
  });

  it('refuses a command it has no IAM mapping for, rather than letting it through unchecked', async () => {
    const { withClientPlugins } = await import('@toolgate/core/data/aws-client-plugins');
    const client = withClientPlugins(
      new DynamoDBClient({ region: REGION, endpoint: UNREACHABLE, credentials: LOCAL_CREDENTIALS }),
    );
    await expect(as('api', () => client.send(new ListTablesCommand({})))).rejects.toThrow(
      /does not know which IAM action/,
    );
  });
});

describe('S3 answers depend on s3:ListBucket', () => {
  const missing = 'users/alice/uploads/never-sent';
  const present = 'users/alice/uploads/sent';
  const withList = (): LocalIdentity =>
    custom([...iam.identities.api.statements, { actions: ['s3:ListBucket'], resources: [`arn:aws:s3:::${BUCKET}`] }]);

  beforeAll(async () => {
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: present, Body: 'hello' }));
  });

  it('a missing key is 403 to a caller without ListBucket (every tier), 404 to one with it', async () => {
    const head = () => s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: missing }));
    const get = () => s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: missing }));
    expect(await failure(as('api', head))).toMatchObject({ status: 403 });
    expect(await failure(as('steps', get))).toMatchObject({
      name: 'AccessDenied',
      status: 403,
      message: 'Access Denied',
    });
    expect(await failure(runAs(withList(), head))).toMatchObject({ name: 'NotFound', status: 404 });
    expect(await failure(runAs(withList(), get))).toMatchObject({ name: 'NoSuchKey', status: 404 });
  });

  it('a ListBucket grant conditioned on a prefix does not turn the 403 into a 404', async () => {
    const scoped = custom([
      ...iam.identities.api.statements,
      {
        actions: ['s3:ListBucket'],
        resources: [`arn:aws:s3:::${BUCKET}`],
        conditions: { StringLike: { 's3:prefix': ['users/*'] } },
      },
    ]);
    expect(
      await failure(runAs(scoped, () => s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: missing })))),
    ).toMatchObject({
      status: 403,
    });
  });

  it('an existing key reads as usual, and the uploads storage reads a 403 on a missing key as missing', async () => {
    const object = await as('api', () => s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: present })));
    expect(object.ContentLength).toBe(5);
    const storage = createUploadStorage(s3, BUCKET);
    expect(await as('api', () => storage.head(missing))).toBeNull();
    expect(await as('steps', () => storage.read(missing))).toBeNull();
    expect(new TextDecoder().decode((await as('steps', () => storage.read(present))) ?? undefined)).toBe('hello');
  });
});

describe('condition keys come from the request', () => {
  const catalogOnly = custom([
    {
      actions: ['dynamodb:GetItem', 'dynamodb:Query'],
      resources: [`arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/${TABLE}`],
      conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['CATALOG#*'] } },
    },
  ]);

  it('dynamodb:LeadingKeys is the partition key a GetItem or Query names', async () => {
    const get = (pk: string) =>
      runAs(catalogOnly, () => doc.send(new GetCommand({ TableName: TABLE, Key: { pk, sk: 'X' } })));
    const query = (pk: string) =>
      runAs(catalogOnly, () =>
        doc.send(
          new QueryCommand({
            TableName: TABLE,
            KeyConditionExpression: '#p = :p AND begins_with(sk, :s)',
            ExpressionAttributeNames: { '#p': 'pk' },
            ExpressionAttributeValues: { ':p': pk, ':s': 'X' },
          }),
        ),
      );
    await expect(get('CATALOG#1')).resolves.toBeDefined();
    await expect(query('CATALOG#1')).resolves.toBeDefined();
    expect((await failure(get('USER#alice'))).name).toBe('AccessDeniedException');
    expect((await failure(query('USER#alice'))).name).toBe('AccessDeniedException');
  });
});

describe("the Step Functions role's invokes", () => {
  it('may invoke the steps function (any version or alias) and nothing else, per the statements infra deploys', () => {
    const steps = `arn:aws:lambda:${REGION}:${ACCOUNT}:function:toolgate-local-steps`;
    const check = iam.invokeCheck('toolgate-local-ingestion', steps);
    expect(check(steps)).toBeNull();
    expect(check(`${steps}:live`)).toBeNull();
    expect(check(`${steps}-other`)).toBe(
      `User: arn:aws:sts::${ACCOUNT}:assumed-role/toolgate-local-ingestion-role/StatesSession is not authorized to ` +
        `perform: lambda:InvokeFunction on resource: ${steps}-other because no identity-based policy allows the ` +
        'lambda:InvokeFunction action',
    );
  });
});
