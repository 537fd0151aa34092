import { DescribeTableCommand, DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { GetBucketCorsCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { loadCatalogFixture } from '@toolgate/core/catalog/seed';
import { JOBS_QUEUE, TABLE } from '@toolgate/core/resources';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_CREDENTIALS } from './local-env';
import { createTableInput } from './resources/definitions';
import { type LocalRuntime, type LocalRuntimeOptions, startLocalRuntime } from './runtime';
import { recordingHandler, sleep, temporaryDir } from './testing/fixtures';

// Every tier injected: no real handler module is imported, so this file may start several runtimes in turn.
const handlers = () => ({
  public: recordingHandler().handler,
  api: recordingHandler().handler,
  webhook: recordingHandler().handler,
});

let keys: Awaited<ReturnType<typeof temporaryDir>>;
beforeAll(async () => {
  keys = await temporaryDir();
});
afterAll(async () => {
  await keys.remove();
});

const start = (options: LocalRuntimeOptions = {}) =>
  startLocalRuntime({ quiet: true, keysDir: keys.path, handlers: handlers(), ...options });

function clients(runtime: LocalRuntime) {
  const config = { region: runtime.region, credentials: LOCAL_CREDENTIALS };
  return {
    dynamodb: new DynamoDBClient({ ...config, endpoint: runtime.endpoints.dynamodb }),
    s3: new S3Client({ ...config, endpoint: runtime.endpoints.s3, forcePathStyle: true }),
    sqs: new SQSClient({ ...config, endpoint: runtime.endpoints.sqs }),
    destroy() {
      this.dynamodb.destroy();
      this.s3.destroy();
      this.sqs.destroy();
    },
  };
}

const networkHandles = () =>
  process.getActiveResourcesInfo().filter((kind) => kind.startsWith('TCP') || kind === 'Timeout').length;

describe('startLocalRuntime', () => {
  it('starts and stops in well under 5 s and leaves no handle behind', async () => {
    const before = networkHandles();
    const started = performance.now();
    const runtime = await start();
    const startMs = performance.now() - started;
    expect((await fetch(`${runtime.url}/health`)).status).toBe(200);
    await runtime.stop();
    expect(performance.now() - started).toBeLessThan(5000);
    expect(startMs).toBeLessThan(3000);
    await sleep(50);
    expect(networkHandles()).toBeLessThanOrEqual(before);
  });

  it('refuses a second runtime in the same process while one runs', async () => {
    const runtime = await start();
    try {
      await expect(start()).rejects.toThrow(/already running/);
    } finally {
      await runtime.stop();
    }
  });

  describe('a running runtime', () => {
    let runtime: LocalRuntime;
    let aws: ReturnType<typeof clients>;

    beforeAll(async () => {
      runtime = await start();
      aws = clients(runtime);
    });
    afterAll(async () => {
      aws.destroy();
      await runtime.stop();
    });

    it('sets the local environment that core config and the SDK read', () => {
      expect(process.env).toMatchObject({
        TOOLGATE_TABLE_NAME: runtime.tableName,
        TOOLGATE_BUCKET_NAME: runtime.bucketName,
        TOOLGATE_JOBS_QUEUE_URL: runtime.queueUrls.jobs,
        AWS_ENDPOINT_URL_DYNAMODB: runtime.endpoints.dynamodb,
        AWS_ENDPOINT_URL_S3: runtime.endpoints.s3,
        AWS_ENDPOINT_URL_SQS: runtime.endpoints.sqs,
        AWS_ACCESS_KEY_ID: 'S3RVER',
      });
      expect(JSON.parse(process.env.TOOLGATE_AUTH ?? '{}')).toEqual({
        kind: 'local',
        issuer: runtime.issuer.issuer,
        clientIds: [...runtime.issuer.clientIds],
        jwksUri: runtime.endpoints.jwks,
        jwks: runtime.issuer.jwks,
      });
      for (const endpoint of Object.values(runtime.endpoints)) expect(endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+/);
    });

    it('creates the table from the shared definition', async () => {
      const { Table } = await aws.dynamodb.send(new DescribeTableCommand({ TableName: runtime.tableName }));
      const expected = createTableInput(runtime.tableName);
      expect(Table?.KeySchema).toEqual(expected.KeySchema);
      expect(Table?.BillingModeSummary?.BillingMode).toBe('PAY_PER_REQUEST');
      expect(Table?.GlobalSecondaryIndexes?.map((index) => [index.IndexName, index.KeySchema])).toEqual(
        expected.GlobalSecondaryIndexes?.map((index) => [index.IndexName, index.KeySchema]),
      );
      expect(Table?.GlobalSecondaryIndexes?.[0]?.KeySchema?.[0]?.AttributeName).toBe(
        TABLE.globalIndexes.gsi1.partitionKey,
      );
    });

    it('creates the uploads bucket with CORS for the allowed origins', async () => {
      const { CORSRules } = await aws.s3.send(new GetBucketCorsCommand({ Bucket: runtime.bucketName }));
      expect(CORSRules?.[0]?.AllowedOrigins).toEqual(['http://localhost:3000', 'http://localhost:5173']);
      expect(CORSRules?.[0]?.AllowedMethods?.sort()).toEqual(['GET', 'HEAD', 'POST', 'PUT']);
    });

    it('creates the jobs queue with its DLQ redrive policy', async () => {
      const { Attributes } = await aws.sqs.send(
        new GetQueueAttributesCommand({ QueueUrl: runtime.queueUrls.jobs, AttributeNames: ['All'] }),
      );
      const dlq = await aws.sqs.send(
        new GetQueueAttributesCommand({ QueueUrl: runtime.queueUrls.jobsDlq, AttributeNames: ['QueueArn'] }),
      );
      expect(Attributes?.VisibilityTimeout).toBe(String(JOBS_QUEUE.visibilityTimeoutSeconds));
      expect(JSON.parse(Attributes?.RedrivePolicy ?? '{}')).toEqual({
        deadLetterTargetArn: dlq.Attributes?.QueueArn,
        maxReceiveCount: JOBS_QUEUE.maxReceiveCount,
      });
    });

    it('seeds every fixture product', async () => {
      const fixture = await loadCatalogFixture();
      expect(runtime.seeded).toBe(fixture.length);
      const { Count } = await aws.dynamodb.send(
        new ScanCommand({
          TableName: runtime.tableName,
          FilterExpression: 'begins_with(pk, :p)',
          ExpressionAttributeValues: { ':p': { S: 'PRODUCT#' } },
          Select: 'COUNT',
        }),
      );
      expect(Count).toBe(fixture.length);
    });
  });

  it('keeps data between runs with persistDir, and re-provisioning is idempotent', async () => {
    const data = await temporaryDir();
    try {
      const first = await start({ persistDir: data.path });
      const firstClients = clients(first);
      await firstClients.s3.send(
        new PutObjectCommand({ Bucket: first.bucketName, Key: 'users/u/a.txt', Body: 'kept' }),
      );
      firstClients.destroy();
      await first.stop();

      const second = await start({ persistDir: data.path });
      const secondClients = clients(second);
      try {
        expect(second.seeded).toBe((await loadCatalogFixture()).length);
        const object = await secondClients.s3.send(
          new GetObjectCommand({ Bucket: second.bucketName, Key: 'users/u/a.txt' }),
        );
        expect(await object.Body?.transformToString()).toBe('kept');
        const { Count } = await secondClients.dynamodb.send(
          new ScanCommand({ TableName: second.tableName, Select: 'COUNT' }),
        );
        expect(Count).toBe(second.seeded);
      } finally {
        secondClients.destroy();
        await second.stop();
      }
    } finally {
      await data.remove();
    }
  });
});
