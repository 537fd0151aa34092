import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, describe, expect, it } from 'vitest';
import { AWS_CLIENT_POLICIES, awsClientConfig, maxBackoffMs, worstCaseCallMs } from './aws-client-config';
import { classifyAwsError } from './aws-errors';

/**
 * Real SDK clients against faulty loopback endpoints: the errors below are the ones the SDK really throws after its
 * retries, so the classification is tested on true shapes, not on hand-made objects.
 */
const servers: Server[] = [];
afterAll(async () => {
  for (const server of servers) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

async function endpoint(listener: RequestListener): Promise<string> {
  const server = createServer(listener);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const dynamoError = (status: number, type: string) =>
  endpoint((req, res) => {
    req.resume();
    res
      .writeHead(status, { 'content-type': 'application/x-amz-json-1.0' })
      .end(JSON.stringify({ __type: `com.amazonaws.dynamodb.v20120810#${type}`, message: 'injected' }));
  });

/** The production policy, shortened per attempt so that a hang ends in the test's time. */
const SHORT = { requestTimeoutMs: 150, connectionTimeoutMs: 150 };

/** One GetItem with the shortened policy. */
async function failureOf(url: string): Promise<{ error: unknown; attempts: unknown; ms: number }> {
  const client = new DynamoDBClient({
    region: 'us-east-1',
    endpoint: url,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    ...awsClientConfig('dynamodb', SHORT),
  });
  const started = performance.now();
  try {
    await client.send(new GetItemCommand({ TableName: 't', Key: { pk: { S: 'x' } } }));
    throw new Error('expected a failure');
  } catch (error) {
    return {
      error,
      attempts: (error as { $metadata?: { attempts?: number } }).$metadata?.attempts,
      ms: performance.now() - started,
    };
  } finally {
    client.destroy();
  }
}

const ATTEMPTS = AWS_CLIENT_POLICIES.dynamodb.maxAttempts;
/** The SDK's longest waits before the retries of a throttled call, in all: 1 s, then 2 s. */
const THROTTLING_BACKOFF_MAX_MS = maxBackoffMs(ATTEMPTS, 'throttling');

describe('AWS SDK failures through the explicit client policy', () => {
  it('a hung endpoint ends as a timeout after maxAttempts bounded attempts (the SDK default would wait forever)', async () => {
    const { error, attempts, ms } = await failureOf(await endpoint(() => undefined));
    expect(classifyAwsError(error)).toBe('timeout');
    expect(attempts).toBe(ATTEMPTS);
    // Every attempt used its whole request timeout, and the call ended within the bound the tiers are sized by.
    const bound = worstCaseCallMs({ ...AWS_CLIENT_POLICIES.dynamodb, ...SHORT });
    expect(ms).toBeGreaterThanOrEqual(ATTEMPTS * SHORT.requestTimeoutMs - 10);
    expect(ms).toBeLessThan(bound + 500);
  });

  // Throttling backs off longest (up to 1 s + 2 s with three attempts). Both kinds run at once, each on its own
  // endpoint and client, under a timeout well above that worst case: a sequential loop at vitest's 5 s default
  // failed CI on an unlucky draw.
  it(
    'throttling is retried maxAttempts times, then reads as unavailable',
    async () => {
      const types = ['ProvisionedThroughputExceededException', 'ThrottlingException'];
      const failures = await Promise.all(types.map(async (type) => failureOf(await dynamoError(400, type))));
      for (const [i, { error, attempts, ms }] of failures.entries()) {
        expect((error as Error).name).toBe(types[i]);
        expect(classifyAwsError(error)).toBe('unavailable');
        expect(attempts).toBe(ATTEMPTS);
        expect(ms).toBeLessThan(THROTTLING_BACKOFF_MAX_MS + 1_500);
      }
    },
    2 * THROTTLING_BACKOFF_MAX_MS + 4_000,
  );

  it('5xx answers (JSON or not) and refused connections read as unavailable', async () => {
    const html = await endpoint((req, res) => {
      req.resume();
      res.writeHead(503).end('<html>Service Unavailable</html>');
    });
    for (const url of [await dynamoError(500, 'InternalServerError'), html, 'http://127.0.0.1:1']) {
      const { error, attempts } = await failureOf(url);
      expect(classifyAwsError(error), `${url}: ${(error as Error).name}`).toBe('unavailable');
      expect(attempts).toBe(ATTEMPTS);
    }
  });

  it('client errors are bugs, not outages: they stay unclassified (500)', async () => {
    for (const type of ['ValidationException', 'ResourceNotFoundException', 'ConditionalCheckFailedException']) {
      const { error, attempts } = await failureOf(await dynamoError(400, type));
      expect(classifyAwsError(error)).toBeNull();
      expect(attempts).toBe(1);
    }
  });

  it('ignores errors that never went through an SDK client, and finds SDK errors wrapped as a cause', async () => {
    expect(classifyAwsError(Object.assign(new Error('x'), { name: 'ThrottlingException' }))).toBeNull();
    expect(classifyAwsError(new Error('ECONNRESET'))).toBeNull();
    expect(classifyAwsError(null)).toBeNull();
    expect(classifyAwsError('TimeoutError')).toBeNull();
    const sdk = Object.assign(new Error('slow down'), { name: 'SlowDown', $metadata: { httpStatusCode: 503 } });
    expect(classifyAwsError(new Error('persistence layer failed', { cause: sdk }))).toBe('unavailable');
  });
});
