import { randomUUID } from 'node:crypto';
import { TIER_ACCESS, type TierAccess } from '@toolgate/core/deploy/access';
import { scope } from '@toolgate/core/scopes';
import { currentIdentity } from '@toolgate/local/iam/index';
import type { SqsHandler } from '@toolgate/local/queue/poller';
import { localBucket } from '@toolgate/local/testing/s3';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { apiCaller, until, useLocalRuntime } from './support/runtime';
import { postToS3 } from './support/uploads';

/**
 * Issue 17 §1 end to end: the runtime checks each tier's AWS calls against the statements infra would deploy from
 * the same TIER_ACCESS, so a statement missing from it fails here as it would after `sst deploy`. Each tier below
 * loses one action its work needs (before the runtime reads the table), and the failure shows as AWS would show
 * it. The state machine role's statements are switched off for one test through the module infra reads them from.
 */

const role = vi.hoisted(() => ({ denyInvoke: false }));
vi.mock('@toolgate/core/deploy/access', async (importOriginal) => {
  const original = await importOriginal<typeof import('@toolgate/core/deploy/access')>();
  return {
    ...original,
    stateMachineStatements: (arn: string) => (role.denyInvoke ? [] : original.stateMachineStatements(arn)),
  };
});

const saved = { ...TIER_ACCESS };
const without = (tier: keyof typeof TIER_ACCESS, field: 'uploads' | 'jobsQueue', action: string): TierAccess => ({
  ...TIER_ACCESS[tier],
  [field]: (TIER_ACCESS[tier][field] as readonly string[]).filter((granted) => granted !== action),
});
TIER_ACCESS.api = without('api', 'uploads', 's3:DeleteObject');
TIER_ACCESS.steps = without('steps', 'uploads', 's3:PutObject');
TIER_ACCESS.worker = without('worker', 'jobsQueue', 'sqs:DeleteMessage');
afterAll(() => {
  Object.assign(TIER_ACCESS, saved);
});

/** The principal each worker invocation ran as. */
const workerPrincipals: (string | undefined)[] = [];
const worker: SqsHandler = async (event, context) => {
  workerPrincipals.push(currentIdentity()?.principalArn);
  return (await import('@toolgate/functions/handlers/worker')).handler(event, context);
};

/** The runtime's error log (it is not quiet here: the poller reports a failed delete only there); kept, not printed. */
const logged: string[] = [];
const stderr = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
  logged.push(String(chunk));
  return true;
});
afterAll(() => {
  stderr.mockRestore();
});

const runtime = useLocalRuntime({
  quiet: false,
  workflowRetryIntervalMs: 5,
  worker,
  jobs: { waitTimeSeconds: 0, pollIntervalMs: 20, batchWindowMs: 20 },
});
const call = apiCaller(runtime);
const tokenFor = (sub: string) =>
  runtime().issuer.mintAccessToken({ sub, scopes: [scope('documents'), scope('jobs'), scope('tools')] });
const NOTES = { filename: 'notes.md', contentType: 'text/markdown', body: '# Notes\n\nThe herd crossed in March.\n' };

async function uploaded(token: string) {
  const created = await call(token, 'POST', '/uploads', {
    filename: NOTES.filename,
    contentType: NOTES.contentType,
    size: Buffer.byteLength(NOTES.body),
  });
  expect(created.status).toBe(201);
  const stored = await postToS3(created.body.post, Buffer.from(NOTES.body), NOTES.contentType, NOTES.filename);
  expect(stored.status).toBe(204);
  return created.body.id as string;
}

const execution = (name: string) =>
  until(
    async () =>
      runtime()
        .workflows.emulator.executions()
        .find((e) => e.name === name),
    (found) => found !== undefined && found.status !== 'RUNNING',
    10_000,
  );

describe('local IAM in the runtime', () => {
  it('is on by default, and says so in the environment it hands a worker process', () => {
    expect(runtime().env.TOOLGATE_LOCAL_IAM).toBe('on');
  });

  it('api tier: a call its statements do not allow fails as on AWS (500 problem), and changes nothing', async () => {
    const sub = `user-${randomUUID()}`;
    const token = await tokenFor(sub);
    const created = await call(token, 'POST', '/uploads', { filename: 'a.txt', contentType: 'text/plain', size: 10 });
    const key = `users/${sub}/uploads/${created.body.id}`;
    const s3 = localBucket({
      endpoint: runtime().endpoints.s3,
      region: runtime().region,
      bucketName: runtime().bucketName,
    });
    try {
      // A body that breaks the declaration: completing it must delete the object, which the api may no longer do.
      await s3.put(key, 'declared ten bytes, sent many more', 'text/plain');
      const response = await call(token, 'POST', `/uploads/${created.body.id}/complete`);
      expect(response.status).toBe(500);
      expect(response.headers.get('content-type')).toBe('application/problem+json');
      expect(JSON.stringify(response.body)).not.toMatch(/not authorized|AccessDenied/);
      expect(await s3.head(key)).not.toBeNull();
    } finally {
      s3.close();
    }
  });

  it('steps tier: a denied write fails the ingestion with AccessDenied, as Step Functions would report it', async () => {
    const token = await tokenFor(`user-${randomUUID()}`);
    const id = await uploaded(token);
    expect((await call(token, 'POST', `/uploads/${id}/complete`)).status).toBe(202);
    const run = await execution(id);
    expect(run?.history.some((event) => event.error === 'AccessDenied')).toBe(true);
    const upload = await until(
      () => call(token, 'GET', `/uploads/${id}`),
      (response) => response.body.status === 'FAILED',
      10_000,
    );
    expect(upload.body.status).toBe('FAILED');
  });

  it("the state machine's role: without lambda:InvokeFunction the first Task fails as Lambda's 403", async () => {
    role.denyInvoke = true;
    try {
      const token = await tokenFor(`user-${randomUUID()}`);
      const id = await uploaded(token);
      expect((await call(token, 'POST', `/uploads/${id}/complete`)).status).toBe(202);
      const run = await execution(id);
      expect(run?.status).toBe('FAILED');
      expect(run?.history.map((event) => event.error).filter(Boolean)[0]).toBe('Lambda.AWSLambdaException');
    } finally {
      role.denyInvoke = false;
    }
  });

  it('worker: its handler runs as the worker role, and its event source mapping cannot delete without DeleteMessage', async () => {
    const token = await tokenFor(`user-${randomUUID()}`);
    const created = await call(token, 'POST', '/jobs', { prompt: 'hello' });
    expect(created.status).toBe(202);
    const job = await until(
      () => call(token, 'GET', `/jobs/${created.body.jobId}`),
      (response) => response.body.status === 'SUCCEEDED' || response.body.status === 'FAILED',
    );
    expect(job.body.status).toBe('SUCCEEDED');
    expect(workerPrincipals.at(-1)).toMatch(/assumed-role\/toolgate-local-worker-role\/toolgate-local-worker$/);
    // The poller deletes after the invocation, with the worker's role, as the event source mapping does.
    await until(
      async () => logged.join(''),
      (text) => text.includes('is not authorized to perform: sqs:deletemessage'),
      5_000,
    );
    expect(runtime().jobs?.stats().deleted).toBe(0);
  });
});
