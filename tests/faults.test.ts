import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AWS_CLIENT_POLICIES } from '@toolgate/core/data/aws-client-config';
import { type HttpMethod, manifest, type RouteSpec, routeKey } from '@toolgate/core/manifest';
import { ALL_SCOPES } from '@toolgate/core/scopes';
import { localQueues } from '@toolgate/local/testing/queues';
import { scanTable } from '@toolgate/local/testing/table';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { always, type FaultInjector, injectFaults } from './support/faults';
import { apiCaller, getJson, useLocalRuntime } from './support/runtime';
import { signedStripeRequest } from './support/stripe-events';
import { postToS3 } from './support/uploads';

/**
 * Fault injection (issue 9) into the SDK clients the handlers really use, through the local gateway: DynamoDB
 * throttling and timeouts on every route, S3 and Step Functions failing during upload completion, SQS failing on
 * job submission, the model answering 5xx or never. Every failure must end as a bounded number of SDK attempts
 * (`AWS_CLIENT_POLICIES`), then a 503/504 problem+json with `Retry-After` — never a 500, never a hang — and leave
 * no half-written state behind.
 */

/** The model: an OpenAI-compatible endpoint on loopback that fails on request (prompt markers). */
let model: Server | undefined;
const hung = new Set<import('node:http').ServerResponse>();
/** Requests the model endpoint failed with a 500, for the bounded-attempts check. */
let modelFailures = 0;
const LIMITS = {
  plans: {
    free: { requestsPerMinute: { standard: 10_000, tools: 10_000, chat: 10_000 }, chatTokensPerMonth: 10_000_000 },
    pro: { requestsPerMinute: { standard: 10_000, tools: 10_000, chat: 10_000 }, chatTokensPerMonth: 10_000_000 },
  },
};
const ENV: Record<string, string> = {
  TOOLGATE_MODEL_PROVIDER: 'openai',
  TOOLGATE_MODEL_ID: 'fault-model',
  TOOLGATE_CHAT_DEADLINE_MS: '1500',
  TOOLGATE_LIMITS: JSON.stringify(LIMITS),
};
const previousEnv = Object.fromEntries(
  [...Object.keys(ENV), 'TOOLGATE_OPENAI_BASE_URL'].map((name) => [name, process.env[name]]),
);
// Registered before the runtime's hooks: the handlers read these variables when the runtime imports them.
beforeAll(async () => {
  model = createServer((req, res) => {
    let raw = '';
    req.on('data', (chunk) => {
      raw += chunk;
    });
    req.on('end', () => {
      if (raw.includes('[model-hang]')) {
        hung.add(res);
        return;
      }
      if (raw.includes('[model-500]')) {
        modelFailures++;
        res.writeHead(500, { 'content-type': 'application/json' }).end('{"error":{"message":"upstream exploded"}}');
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end(
        JSON.stringify({
          choices: [{ message: { role: 'assistant', content: 'fine' }, finish_reason: 'stop' }],
          usage: { prompt_tokens: 3, completion_tokens: 1 },
        }),
      );
    });
  });
  await new Promise<void>((resolve) => model?.listen(0, '127.0.0.1', resolve));
  const { port } = model.address() as AddressInfo;
  Object.assign(process.env, ENV, { TOOLGATE_OPENAI_BASE_URL: `http://127.0.0.1:${port}/v1` });
});
afterAll(async () => {
  for (const res of hung) res.destroy();
  await new Promise((resolve) => model?.close(resolve));
  for (const [name, value] of Object.entries(previousEnv)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
});

// No jobs poller: the tests look at the queue itself, and nothing may consume what they inspect.
const runtime = useLocalRuntime({ worker: null, workflowRetryIntervalMs: 5 });

/** The handlers' own client singletons (the runtime imported them; vitest shares the module graph). */
let faults: { dynamodb: FaultInjector; s3: FaultInjector; sqs: FaultInjector; sfn: FaultInjector };
beforeAll(async () => {
  const [{ doc }, { s3Client }, { sqsClient }, { sfnClient }] = await Promise.all([
    import('@toolgate/functions/deps/base'),
    import('@toolgate/functions/deps/storage'),
    import('@toolgate/functions/deps/jobs'),
    import('@toolgate/functions/deps/ingestion'),
  ]);
  // Clients the tiers load on first use: load them now, so the injectors sit on the instances the handlers get.
  const [s3, sqs, sfn] = await Promise.all([s3Client(), sqsClient(), sfnClient()]);
  faults = { dynamodb: injectFaults(doc), s3: injectFaults(s3), sqs: injectFaults(sqs), sfn: injectFaults(sfn) };
});
afterEach(() => {
  for (const injector of Object.values(faults)) {
    injector.heal();
    injector.reset();
  }
});
afterAll(() => {
  for (const injector of Object.values(faults ?? {})) injector.remove();
});

const newUser = () => `fault-${randomUUID()}`;
const tokenFor = (sub: string) => runtime().issuer.mintAccessToken({ sub, scopes: ALL_SCOPES });

const call = apiCaller(runtime);

type Answer = Awaited<ReturnType<typeof call>>;

/** A dependency failure as the contract says: 503 or 504, problem+json, a positive Retry-After, no detail leak. */
function expectDependencyProblem(answer: Answer, status: 503 | 504, what: string) {
  expect(answer.status, `${what}: ${JSON.stringify(answer.body)}`).toBe(status);
  expect(answer.headers.get('content-type'), what).toBe('application/problem+json');
  expect(Number(answer.headers.get('retry-after')), what).toBeGreaterThanOrEqual(1);
  expect(answer.body.type, what).toBe(
    status === 503 ? 'urn:toolgate:problem:unavailable' : 'urn:toolgate:problem:timeout',
  );
  // Never the SDK's own message (it can name tables, keys or endpoints).
  expect(JSON.stringify(answer.body), what).not.toMatch(/exceeded|Service Unavailable|requestTimeout|ETIMEDOUT/);
}

/**
 * Every failing SDK call made at most `maxAttempts` attempts. With `exactly`, each made exactly that many: true while
 * the client's retry quota has tokens (a burst of failures drains it, after which the SDK stops retrying at all).
 */
function expectBoundedAttempts(injector: FaultInjector, maxAttempts: number, what: string, exactly = false) {
  expect(injector.calls.length, `${what}: no fault was hit`).toBeGreaterThan(0);
  for (const call of injector.calls) {
    expect(call.attempts, `${what}: ${call.command}`).toBeLessThanOrEqual(maxAttempts);
    if (exactly) expect(call.attempts, `${what}: ${call.command}`).toBe(maxAttempts);
  }
}

const itemsOf = async (sub: string) =>
  (
    await scanTable({
      endpoint: runtime().endpoints.dynamodb,
      region: runtime().region,
      tableName: runtime().tableName,
    })
  ).filter((item) => JSON.stringify(item).includes(sub));

/** A request every manifest route accepts far enough to reach its handler (a valid token, a JSON object). */
function requestFor(route: RouteSpec): { method: HttpMethod; path: string; body?: unknown } {
  const path = route.path.replace(/\{[^}]+\}/g, 'does-not-exist');
  return route.method === 'POST' ? { method: route.method, path, body: {} } : { method: route.method, path };
}

describe('DynamoDB faults', () => {
  it('throttling (ProvisionedThroughputExceeded) is retried maxAttempts times, then 503; the table heals and the route works', async () => {
    const token = await tokenFor(newUser());
    faults.dynamodb.fail(always('throttle'));
    const me = await call(token, 'GET', '/me');
    const catalog = await call(null, 'GET', '/catalog?limit=2');
    expectDependencyProblem(me, 503, 'GET /me');
    expectDependencyProblem(catalog, 503, 'GET /catalog');
    expectBoundedAttempts(faults.dynamodb, AWS_CLIENT_POLICIES.dynamodb.maxAttempts, 'throttled', true);
    faults.dynamodb.heal();
    expect((await call(token, 'GET', '/me')).status).toBe(200);
    expect((await call(null, 'GET', '/catalog?limit=2')).status).toBe(200);
  }, 30_000);

  it('a read that times out answers 504 with Retry-After after maxAttempts attempts', async () => {
    const token = await tokenFor(newUser());
    // Only reads: the per-plan counter (an UpdateItem) passes, the profile read (GetItem) times out.
    faults.dynamodb.fail(always('timeout', 'GetCommand', 'GetItemCommand'));
    const answer = await call(token, 'GET', '/me');
    expectDependencyProblem(answer, 504, 'GET /me');
    expectBoundedAttempts(faults.dynamodb, AWS_CLIENT_POLICIES.dynamodb.maxAttempts, 'GET /me', true);
  });

  it('every route that reads or writes the table answers 503 with Retry-After when DynamoDB is down, after bounded retries', async () => {
    const token = await tokenFor(newUser());
    const touched: string[] = [];
    // Last in this block: its burst of failures may drain the client's retry quota, so only the bound is checked.
    for (const route of manifest) {
      faults.dynamodb.reset();
      faults.dynamodb.fail(always('unavailable'));
      const request = requestFor(route);
      const answer =
        route.auth.kind === 'stripe-signature'
          ? await getJson(`${runtime().url}${request.path}`, await signedStripeRequest('customer.subscription.created'))
          : await call(route.auth.kind === 'jwt' ? token : null, request.method, request.path, request.body);
      faults.dynamodb.heal();
      const what = routeKey(route);
      expect(answer.status, `${what} must never answer 500: ${JSON.stringify(answer.body)}`).not.toBe(500);
      if (faults.dynamodb.seen.size === 0) {
        // Routes that never touch the table (health, the OpenAPI document) are unaffected.
        expect(answer.status, what).toBeLessThan(500);
        continue;
      }
      touched.push(what);
      expectDependencyProblem(answer, 503, what);
      expectBoundedAttempts(faults.dynamodb, AWS_CLIENT_POLICIES.dynamodb.maxAttempts, what);
    }
    // Every jwt route is rate limited in DynamoDB, so every one of them must have been hit.
    for (const route of manifest.filter((entry) => entry.auth.kind === 'jwt'))
      expect(touched).toContain(routeKey(route));
    expect(touched).toContain('GET /catalog');
    expect(touched).toContain('POST /webhooks/stripe');
  }, 60_000);
});

describe('S3 and Step Functions faults during upload completion', () => {
  const FILE = 'hello, fault injection\n';

  async function uploaded(token: string) {
    const created = await call(token, 'POST', '/uploads', {
      filename: 'note.txt',
      contentType: 'text/plain',
      size: Buffer.byteLength(FILE),
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect((await postToS3(created.body.post, FILE, 'text/plain', 'note.txt')).status).toBe(204);
    return created.body.id as string;
  }

  it('S3 unavailable: 503 with Retry-After, the upload stays PENDING with its object, and completing again works', async () => {
    const token = await tokenFor(newUser());
    const id = await uploaded(token);
    faults.s3.fail(always('unavailable'));
    const failed = await call(token, 'POST', `/uploads/${id}/complete`);
    expectDependencyProblem(failed, 503, 'complete with S3 down');
    expectBoundedAttempts(faults.s3, AWS_CLIENT_POLICIES.s3.maxAttempts, 'complete with S3 down', true);
    // Nothing moved: not UPLOADED, no workflow started, the object not deleted as a "mismatch".
    const after = await call(token, 'GET', `/uploads/${id}`);
    expect(after.body).toMatchObject({ status: 'PENDING', ingestion: 'NOT_STARTED' });
    expect(faults.sfn.seen.size).toBe(0);
    expect(faults.s3.seen.has('DeleteObjectCommand')).toBe(false);

    faults.s3.heal();
    const completed = await call(token, 'POST', `/uploads/${id}/complete`);
    expect(completed.status, JSON.stringify(completed.body)).toBe(202);
    expect(completed.body.ingestion).toBe('STARTED');
  });

  it('Step Functions unavailable: 503, the upload is UPLOADED without an execution, and completing again starts exactly one', async () => {
    const token = await tokenFor(newUser());
    const id = await uploaded(token);
    faults.sfn.fail(always('unavailable', 'StartExecutionCommand'));
    const failed = await call(token, 'POST', `/uploads/${id}/complete`);
    expectDependencyProblem(failed, 503, 'complete with Step Functions down');
    expectBoundedAttempts(faults.sfn, AWS_CLIENT_POLICIES.sfn.maxAttempts, 'complete with Step Functions down', true);
    const after = await call(token, 'GET', `/uploads/${id}`);
    expect(after.body).toMatchObject({ status: 'UPLOADED', ingestion: 'NOT_STARTED' });

    faults.sfn.heal();
    faults.sfn.reset();
    const completed = await call(token, 'POST', `/uploads/${id}/complete`);
    expect(completed.status, JSON.stringify(completed.body)).toBe(202);
    const again = await call(token, 'POST', `/uploads/${id}/complete`);
    expect(again.body.ingestion).toBe('STARTED');
    expect(faults.sfn.seen.get('StartExecutionCommand')).toBe(1);
  });
});

describe('SQS fault on job submission', () => {
  it('SendMessage failing: 503 with Retry-After, no job and no message left; the same Idempotency-Key then queues it once', async () => {
    const sub = newUser();
    const token = await tokenFor(sub);
    const queues = localQueues({
      endpoint: runtime().endpoints.sqs,
      region: runtime().region,
      queueUrls: runtime().queueUrls,
    });
    try {
      const before = (await queues.peek('jobs')).length;
      const key = `fault-${randomUUID()}`;
      faults.sqs.fail(always('unavailable', 'SendMessageCommand'));
      const failed = await call(token, 'POST', '/jobs', { prompt: 'summarise nothing' }, { 'idempotency-key': key });
      expectDependencyProblem(failed, 503, 'POST /jobs with SQS down');
      expectBoundedAttempts(faults.sqs, AWS_CLIENT_POLICIES.sqs.maxAttempts, 'POST /jobs with SQS down', true);
      // No job without a message: the record was rolled back, and nothing reached the queue.
      expect((await call(token, 'GET', '/jobs')).body.items).toEqual([]);
      expect((await itemsOf(sub)).filter((item) => String(item.pk).startsWith('JOB'))).toEqual([]);
      expect((await queues.peek('jobs')).length).toBe(before);

      faults.sqs.heal();
      const queued = await call(token, 'POST', '/jobs', { prompt: 'summarise nothing' }, { 'idempotency-key': key });
      expect(queued.status, JSON.stringify(queued.body)).toBe(202);
      const jobId = queued.body.jobId as string;
      const messages = (await queues.peek('jobs')).filter((message) => message.body.includes(jobId));
      expect(messages).toHaveLength(1);
      expect((await call(token, 'GET', `/jobs/${jobId}`)).body.status).toBe('QUEUED');
    } finally {
      queues.close();
    }
  });
});

describe('model faults in chat', () => {
  it('a model answering 5xx: 503 with Retry-After, and no conversation saved or tokens charged', async () => {
    const sub = newUser();
    const token = await tokenFor(sub);
    const failuresBefore = modelFailures;
    const answer = await call(token, 'POST', '/chat', { message: 'hello [model-500]' });
    expect(answer.status, JSON.stringify(answer.body)).toBe(503);
    // One retry inside the chat deadline, as Bedrock's client is configured (OPENAI_MAX_ATTEMPTS), then the 503.
    expect(modelFailures - failuresBefore).toBe(2);
    expect(answer.headers.get('content-type')).toBe('application/problem+json');
    expect(Number(answer.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(JSON.stringify(answer.body)).not.toContain('exploded');
    const items = await itemsOf(sub);
    expect(items.filter((item) => /CONV|TOKENS/.test(`${item.pk}${item.sk}`))).toEqual([]);
  });

  it('a model that never answers: 504 with Retry-After at the chat deadline, not a hang, nothing saved', async () => {
    const sub = newUser();
    const token = await tokenFor(sub);
    const started = Date.now();
    const answer = await call(token, 'POST', '/chat', { message: 'hello [model-hang]' });
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(answer.status, JSON.stringify(answer.body)).toBe(504);
    expect(answer.headers.get('content-type')).toBe('application/problem+json');
    expect(Number(answer.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(answer.body.type).toBe('urn:toolgate:problem:timeout');
    const items = await itemsOf(sub);
    expect(items.filter((item) => /CONV|TOKENS/.test(`${item.pk}${item.sk}`))).toEqual([]);
  });

  it('the same route works again with a healthy model', async () => {
    const answer = await call(await tokenFor(newUser()), 'POST', '/chat', { message: 'hello' });
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    expect(answer.body.reply).toBe('fine');
  });
});
