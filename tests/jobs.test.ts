import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { OPENAI_MAX_ATTEMPTS } from '@toolgate/core/agent/providers/openai';
import { scope } from '@toolgate/core/scopes';
import type { SqsHandler } from '@toolgate/local/queue/poller';
import { localQueues } from '@toolgate/local/testing/queues';
import { localBucket } from '@toolgate/local/testing/s3';
import { scanTable } from '@toolgate/local/testing/table';
import type { Context, SQSEvent, SQSRecord } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeModel } from './support/fake-model';
import { generousPlans, getJson, until, useLocalRuntime } from './support/runtime';

/**
 * Issue 6 end to end: `POST /jobs` through the local gateway into the api tier, SQS (local-aws-sqs) with its redrive
 * policy, the local event source mapping (poller) invoking the real worker handler, DynamoDB (dynalite) and S3
 * (s3rver). The model is an OpenAI-compatible server on loopback whose behaviour each prompt picks (see
 * support/fake-model.ts), so failures can be caused on purpose; queue timings are shortened to seconds.
 */

const LIMITS = {
  plans: generousPlans(1_000_000),
  queuedJobs: { free: 3, pro: 10 },
};
const ENV = {
  TOOLGATE_MODEL_PROVIDER: 'openai',
  TOOLGATE_MODEL_ID: 'fake-model',
  TOOLGATE_JOBS: JSON.stringify({ retryDelaySeconds: 1 }),
  TOOLGATE_LIMITS: JSON.stringify(LIMITS),
};
/** The worker function's timeout here: a crashed attempt's message is visible again ~3.5 s after it started. */
const WORKER_TIMEOUT_MS = 2500;

let model: Awaited<ReturnType<typeof startFakeModel>>;
const previousEnv = Object.fromEntries(
  [...Object.keys(ENV), 'TOOLGATE_OPENAI_BASE_URL'].map((name) => [name, process.env[name]]),
);
// Registered before the runtime's hooks: the handlers read these variables when the runtime imports them.
beforeAll(async () => {
  model = await startFakeModel();
  Object.assign(process.env, ENV, { TOOLGATE_OPENAI_BASE_URL: `${model.url}/v1` });
});
afterAll(async () => {
  await model?.close();
  for (const [name, value] of Object.entries(previousEnv)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
});

const realWorker = async () => (await import('@toolgate/functions/handlers/worker')).handler;
const jobIdOf = (record: SQSRecord): string | undefined => {
  try {
    return (JSON.parse(record.body) as { jobId?: string }).jobId;
  } catch {
    return undefined;
  }
};
/** Jobs whose invocation throws right after the real handler returned: a crash before SQS hears of the outcome. */
const crashAfterHandler = new Set<string>();
const worker: SqsHandler = async (event, context) => {
  const response = await (await realWorker())(event, context);
  for (const record of event.Records) {
    const jobId = jobIdOf(record);
    if (jobId && crashAfterHandler.delete(jobId)) throw new Error('simulated crash after the handler ran');
  }
  return response;
};

const runtime = useLocalRuntime({
  seed: false,
  worker,
  jobs: {
    visibilityTimeoutSeconds: 4,
    workerTimeoutMs: WORKER_TIMEOUT_MS,
    waitTimeSeconds: 0,
    pollIntervalMs: 20,
    batchWindowMs: 50,
  },
});
const poller = () => {
  const jobs = runtime().jobs;
  if (!jobs) throw new Error('the runtime runs no jobs poller');
  return jobs;
};

const SCOPES = [scope('jobs'), scope('tools'), scope('profile')];
const newUser = () => `user-${randomUUID()}`;
const tokenFor = (sub: string, scopes: readonly string[] = SCOPES) => runtime().issuer.mintAccessToken({ sub, scopes });

async function submit(token: string, body: unknown, key?: string) {
  return getJson(`${runtime().url}/jobs`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${token}`,
      'content-type': 'application/json',
      ...(key ? { 'idempotency-key': key } : {}),
    },
    body: JSON.stringify(body),
  });
}
const get = (token: string, path: string) =>
  getJson(`${runtime().url}${path}`, { headers: { authorization: `Bearer ${token}` } });

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON
const finished = (job: { body: any }) => job.body.status === 'SUCCEEDED' || job.body.status === 'FAILED';
const waitForJob = (token: string, jobId: string, timeoutMs?: number) =>
  until(() => get(token, `/jobs/${jobId}`), finished, timeoutMs);

const table = () =>
  scanTable({ endpoint: runtime().endpoints.dynamodb, region: runtime().region, tableName: runtime().tableName });
async function itemsOf(sub: string) {
  const items = await table();
  return {
    jobs: items.filter((item) => item.owner === sub && String(item.pk).startsWith('JOB#')),
    usage: items.filter((item) => item.pk === `USER#${sub}` && String(item.sk).startsWith('USAGE#JOB#')),
    slots: items.filter((item) => item.pk === `USER#${sub}` && String(item.sk).startsWith('JOBSLOT#')),
    tokens: items
      .filter((item) => item.pk === `USER#${sub}` && String(item.sk).startsWith('LIMIT#TOKENS#'))
      .reduce((sum, item) => sum + Number(item.tokens ?? 0), 0),
    keys: items.filter((item) => String(item.pk).startsWith(`IDEMP#${sub}#`)),
  };
}
const queues = () =>
  localQueues({ endpoint: runtime().endpoints.sqs, region: runtime().region, queueUrls: runtime().queueUrls });
const queuesDrained = async () => {
  const q = queues();
  try {
    const depth = await q.depth('jobs');
    return depth.visible === 0 && depth.inFlight === 0;
  } finally {
    q.close();
  }
};
/**
 * Waits until every message is deleted and no invocation runs: a job can read SUCCEEDED a moment before its worker
 * has written the usage record and released its slot (those follow the state change, in the same invocation).
 */
const quiesce = () => until(async () => (await queuesDrained()) && poller().stats().running === 0, Boolean, 15_000);

describe('POST /jobs → queue → worker → GET /jobs/{id}', () => {
  it('runs the job as its owner and answers with the result; one usage record, tokens charged once', async () => {
    const sub = newUser();
    const token = await tokenFor(sub);
    const prompt = `[use-tool] who am I? ${randomUUID()}`;
    const created = await submit(token, { prompt });
    expect(created.status).toBe(202);
    expect(created.headers.get('location')).toBe(`/jobs/${created.body.jobId}`);
    expect(created.headers.get('cache-control')).toBe('no-store');
    expect(created.body).toMatchObject({ status: 'QUEUED', attempts: 0 });

    const job = await waitForJob(token, created.body.jobId);
    expect(job.status).toBe(200);
    expect(job.body).toMatchObject({
      jobId: created.body.jobId,
      status: 'SUCCEEDED',
      attempts: 1,
      usage: { inputTokens: 20, outputTokens: 10 },
      result: { stoppedBy: 'answer', toolCalls: [{ name: 'account_get', ok: true, output: { sub } }] },
    });
    // The tool ran as the job's owner (its sub came from the verified token at submission, nothing else).
    expect(job.body.result.reply).toContain(`"sub":"${sub}"`);
    const { createdAt, startedAt, finishedAt } = job.body;
    expect(createdAt <= startedAt && startedAt <= finishedAt).toBe(true);

    await quiesce();
    const stored = await itemsOf(sub);
    expect(stored.usage).toEqual([
      expect.objectContaining({ jobId: created.body.jobId, inputTokens: 20, outputTokens: 10, model: 'fake-model' }),
    ]);
    expect(stored.tokens).toBe(30);
    expect(stored.slots).toEqual([]);
    const listed = await get(token, '/jobs');
    expect(listed.body.items.map((item: { jobId: string }) => item.jobId)).toEqual([created.body.jobId]);
    expect(listed.body.items[0].result).toBeUndefined();
  });

  it('stores a result over 256 KB in S3 under the owner, served by a presigned GET', async () => {
    const sub = newUser();
    const token = await tokenFor(sub);
    const created = await submit(token, { prompt: `[large] ${randomUUID()}` });
    const job = await waitForJob(token, created.body.jobId);
    expect(job.body).toMatchObject({ status: 'SUCCEEDED', resultBytes: expect.any(Number) });
    expect(job.body.result).toBeUndefined();
    const key = `users/${sub}/results/${created.body.jobId}.json`;
    expect(new URL(job.body.resultUrl).pathname).toContain(key);
    expect(job.body.resultUrl).toContain('X-Amz-Signature=');
    expect(Date.parse(job.body.resultUrlExpiresAt)).toBeGreaterThan(Date.now());

    const download = await fetch(job.body.resultUrl);
    expect(download.status).toBe(200);
    const result = (await download.json()) as { reply: string; usage: unknown };
    expect(result.reply).toHaveLength(300_000);
    expect(result.usage).toEqual({ inputTokens: 10, outputTokens: 5 });
    const bucket = localBucket({
      endpoint: runtime().endpoints.s3,
      region: runtime().region,
      bucketName: runtime().bucketName,
    });
    try {
      expect(await bucket.head(key)).toMatchObject({ size: job.body.resultBytes, contentType: 'application/json' });
    } finally {
      bucket.close();
    }
  });

  it("is owner-only: another user's job is a 404 like a missing one; the list is newest first and paginated", async () => {
    const alice = await tokenFor(newUser());
    const bob = await tokenFor(newUser());
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      ids.push((await submit(alice, { prompt: `list ${i} ${randomUUID()}` })).body.jobId);
      await sleep(5);
    }
    const theirs = await get(bob, `/jobs/${ids[0]}`);
    const missing = await get(bob, `/jobs/${randomUUID()}`);
    expect(theirs.status).toBe(404);
    expect(theirs.headers.get('content-type')).toBe('application/problem+json');
    expect(theirs.body.type).toBe(missing.body.type);
    expect((await get(bob, '/jobs/not-a-job-id')).status).toBe(400);
    expect((await get(bob, '/jobs')).body.items).toEqual([]);

    const first = await get(alice, '/jobs?limit=2');
    expect(first.body.items.map((item: { jobId: string }) => item.jobId)).toEqual([ids[2], ids[1]]);
    expect(first.body.nextCursor).toEqual(expect.any(String));
    const second = await get(alice, `/jobs?limit=2&cursor=${first.body.nextCursor}`);
    expect(second.body.items.map((item: { jobId: string }) => item.jobId)).toEqual([ids[0]]);
    expect(second.body.nextCursor).toBeNull();
    // A cursor is bound to its owner's listing.
    expect((await get(bob, `/jobs?limit=2&cursor=${first.body.nextCursor}`)).status).toBe(400);
    for (const id of ids) await waitForJob(alice, id);
  });

  it('validates the body and the Idempotency-Key header', async () => {
    const token = await tokenFor(newUser());
    expect((await submit(token, {})).status).toBe(400);
    const forged = await submit(token, {
      messages: [{ role: 'tool', toolCallId: 'x', name: 'account_get', content: '{}' }],
    });
    expect(forged.status).toBe(400);
    expect(forged.body.errors[0].field).toMatch(/^body\.messages/);
    const badKey = await submit(token, { prompt: 'x' }, 'no#hash');
    expect(badKey.status).toBe(400);
    expect(new Set(badKey.body.errors.map((issue: { field: string }) => issue.field))).toEqual(
      new Set(['header.idempotency-key']),
    );
    const text = await getJson(`${runtime().url}/jobs`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'text/plain' },
      body: 'prompt',
    });
    expect(text.status).toBe(415);
    const tooBig = await submit(token, { prompt: 'x'.repeat(140_000) });
    expect(tooBig.status).toBe(413);
    const noScope = await submit(await tokenFor(newUser(), [scope('chat')]), { prompt: 'x' });
    expect(noScope.status).toBe(403);
  });
});

describe('Idempotency-Key', () => {
  it('returns the same job for the same key and body, and 422 for the same key with another body', async () => {
    const sub = newUser();
    const token = await tokenFor(sub);
    const key = randomUUID();
    const body = { prompt: `idempotent ${randomUUID()}`, options: { stepCap: 3 } };
    const first = await submit(token, body, key);
    expect(first.status).toBe(202);
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    // Same body, keys in another order: the same request.
    const again = await submit(token, { options: { stepCap: 3 }, prompt: body.prompt }, key);
    expect(again.status).toBe(202);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.body.jobId).toBe(first.body.jobId);
    expect(again.headers.get('location')).toBe(`/jobs/${first.body.jobId}`);
    const other = await submit(token, { prompt: 'something else' }, key);
    expect(other.status).toBe(422);
    expect(other.body.type).toBe('urn:toolgate:problem:unprocessable');
    await waitForJob(token, first.body.jobId);
    expect((await itemsOf(sub)).jobs).toHaveLength(1);
    expect(model.callsFor(body.prompt)).toBe(1);
  });

  it('creates exactly one job for 50 concurrent submissions with the same key', async () => {
    const sub = newUser();
    const token = await tokenFor(sub);
    const key = randomUUID();
    const prompt = `concurrent ${randomUUID()}`;
    const answers = await Promise.all(Array.from({ length: 50 }, () => submit(token, { prompt }, key)));
    expect(answers.map((answer) => answer.status)).toEqual(Array(50).fill(202));
    const ids = new Set(answers.map((answer) => answer.body.jobId));
    expect(ids.size).toBe(1);
    expect(answers.filter((answer) => answer.headers.get('idempotent-replayed') === null)).toHaveLength(1);
    const [jobId] = [...ids] as [string];
    const job = await waitForJob(token, jobId);
    expect(job.body).toMatchObject({ status: 'SUCCEEDED', attempts: 1 });
    await quiesce();
    const stored = await itemsOf(sub);
    expect(stored.jobs).toHaveLength(1);
    expect(stored.usage).toHaveLength(1);
    expect(stored.slots).toEqual([]);
    expect(model.callsFor(prompt)).toBe(1);
  });
});

describe('per-plan cap on unfinished jobs', () => {
  it('refuses a fourth unfinished job on the free plan with 429, and accepts again once they finish', async () => {
    await poller().pause();
    const token = await tokenFor(newUser());
    try {
      const ids: string[] = [];
      for (let i = 0; i < 3; i++) ids.push((await submit(token, { prompt: `cap ${i} ${randomUUID()}` })).body.jobId);
      const refused = await submit(token, { prompt: 'one too many' });
      expect(refused.status).toBe(429);
      expect(refused.headers.get('retry-after')).toBe('30');
      expect(refused.body).toMatchObject({ plan: 'free', limit: 3 });
      poller().resume();
      for (const id of ids) await waitForJob(token, id);
    } finally {
      poller().resume();
    }
    expect((await submit(token, { prompt: `after ${randomUUID()}` })).status).toBe(202);
  });
});

describe('faults: exactly-once effects under redelivery', () => {
  it('a model failure after RUNNING: retried after the delay, completes once (one result, one usage record)', async () => {
    const sub = newUser();
    const token = await tokenFor(sub);
    const prompt = `[fail-once] ${randomUUID()}`;
    const created = await submit(token, { prompt });
    const running = await until(
      () => get(token, `/jobs/${created.body.jobId}`),
      (job) => job.body.lastError !== undefined || finished(job),
    );
    if (running.body.status === 'QUEUED') {
      expect(running.body).toMatchObject({ attempts: 1, lastError: { code: 'model-unavailable' } });
    }
    const job = await waitForJob(token, created.body.jobId);
    expect(job.body).toMatchObject({ status: 'SUCCEEDED', attempts: 2, result: { reply: `echo: ${prompt}` } });
    expect(job.body.lastError).toBeUndefined();
    // The failed attempt's requests (the provider retries once itself), then the successful one.
    expect(model.callsFor(prompt)).toBe(OPENAI_MAX_ATTEMPTS + 1);
    await quiesce();
    const stored = await itemsOf(sub);
    expect(stored.usage).toHaveLength(1);
    expect(stored.tokens).toBe(15);
  });

  it('a worker that throws after finishing: the batch is redelivered after the visibility timeout, nothing happens twice', async () => {
    const sub = newUser();
    const token = await tokenFor(sub);
    const prompt = `crash after ${randomUUID()}`;
    await poller().pause();
    const created = await submit(token, { prompt });
    crashAfterHandler.add(created.body.jobId);
    const before = poller().stats();
    poller().resume();

    const job = await waitForJob(token, created.body.jobId);
    expect(job.body).toMatchObject({ status: 'SUCCEEDED', attempts: 1 });
    // The invocation threw: its whole batch failed, the message came back after its visibility timeout, was
    // recognised as done, and deleted.
    await until(
      async () => poller().stats(),
      (stats) => stats.batchFailures > before.batchFailures && stats.deleted > before.deleted,
      15_000,
    );
    await quiesce();
    const after = await get(token, `/jobs/${created.body.jobId}`);
    expect(after.body).toEqual(job.body);
    expect(model.callsFor(prompt)).toBe(1);
    const stored = await itemsOf(sub);
    expect(stored.usage).toHaveLength(1);
    expect(stored.tokens).toBe(15);
  });

  it('a worker process killed mid-job: the message returns after the visibility timeout and another worker finishes the job once', async () => {
    const sub = newUser();
    const token = await tokenFor(sub);
    const prompt = `killed ${randomUUID()}`;
    await poller().pause();
    const created = await submit(token, { prompt });
    let child: ChildProcess | undefined;
    try {
      // A worker in its own process, whose (dev) model takes 30 s per call: it starts the job and hangs in it.
      child = spawn(
        process.execPath,
        ['--import', 'tsx', fileURLToPath(import.meta.resolve('@toolgate/local/queue/worker-process'))],
        {
          env: {
            ...process.env,
            ...runtime().env,
            TOOLGATE_MODEL_PROVIDER: 'dev',
            TOOLGATE_DEV_MODEL_LATENCY_MS: '30000',
            TOOLGATE_LOCAL_POLLER: JSON.stringify({
              workerTimeoutMs: WORKER_TIMEOUT_MS,
              waitTimeSeconds: 0,
              pollIntervalMs: 20,
              batchWindowMs: 0,
            }),
          },
          stdio: 'ignore',
        },
      );
      const running = await until(
        () => get(token, `/jobs/${created.body.jobId}`),
        (job) => job.body.status === 'RUNNING',
        20_000,
      );
      expect(running.body.attempts).toBe(1);
      const exited = new Promise((resolve) => child?.once('exit', resolve));
      child.kill('SIGKILL');
      await exited;
    } finally {
      if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      poller().resume();
    }
    const job = await waitForJob(token, created.body.jobId);
    expect(job.body).toMatchObject({ status: 'SUCCEEDED', attempts: 2, result: { reply: `echo: ${prompt}` } });
    expect(model.callsFor(prompt)).toBe(1);
    await quiesce();
    const stored = await itemsOf(sub);
    expect(stored.usage).toHaveLength(1);
    expect(stored.tokens).toBe(15);
  });

  it('a job that keeps failing ends FAILED with a readable reason, and its message in the dead-letter queue', async () => {
    const sub = newUser();
    const token = await tokenFor(sub);
    const created = await submit(token, { prompt: `[always-fail] ${randomUUID()}` });
    const job = await waitForJob(token, created.body.jobId);
    expect(job.body).toMatchObject({ status: 'FAILED', attempts: 3, error: { code: 'attempts-exhausted' } });
    expect(job.body.error.message).toBe(
      'The job failed on all 3 attempts; the last error: The model is busy; retry shortly.',
    );
    const q = queues();
    try {
      const dead = await until(
        () => q.peek('jobsDlq'),
        (messages) => messages.some((message) => message.body === JSON.stringify({ jobId: created.body.jobId })),
      );
      expect(dead.length).toBeGreaterThan(0);
      // A message that is not a job at all goes the same way, touching nothing.
      await q.send('jobs', 'not a job');
      await until(
        () => q.peek('jobsDlq'),
        (messages) => messages.some((message) => message.body === 'not a job'),
      );
    } finally {
      q.close();
    }
    const stored = await itemsOf(sub);
    expect(stored.usage).toEqual([]);
    expect(stored.slots).toEqual([]);
  });
});

describe('the worker trusts nothing but a job id that SQS delivered', () => {
  const context = (): Context =>
    ({
      awsRequestId: randomUUID(),
      functionName: 'toolgate-worker',
      getRemainingTimeInMillis: () => 10_000,
    }) as unknown as Context;
  const forgedEvent = (body: unknown, overrides: Partial<SQSRecord> = {}): SQSEvent => ({
    Records: [
      {
        messageId: randomUUID(),
        receiptHandle: 'AQEBforged',
        body: typeof body === 'string' ? body : JSON.stringify(body),
        attributes: {
          ApproximateReceiveCount: '1',
          SentTimestamp: String(Date.now()),
          SenderId: 'AIDAMALLORY',
          ApproximateFirstReceiveTimestamp: String(Date.now()),
        },
        messageAttributes: {
          sub: { dataType: 'String', stringValue: 'mallory', stringListValues: [], binaryListValues: [] },
        },
        md5OfBody: '',
        eventSource: 'aws:sqs',
        eventSourceARN: poller().queueArn,
        awsRegion: runtime().region,
        ...overrides,
      },
    ],
  });
  const jobItem = async (jobId: string) => (await table()).find((item) => item.pk === `JOB#${jobId}`);

  it("changes nothing: a forged event for another user's queued job, or for a job that is not QUEUED", async () => {
    const victim = newUser();
    const token = await tokenFor(victim);
    await poller().pause();
    let queuedId = '';
    try {
      queuedId = (await submit(token, { prompt: `victim ${randomUUID()}` })).body.jobId;
      const before = await jobItem(queuedId);
      const handler = await realWorker();
      const events = [
        forgedEvent({ jobId: queuedId }),
        forgedEvent({ jobId: queuedId, sub: 'mallory' }),
        forgedEvent({ jobId: queuedId }, { eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:somewhere-else' }),
      ];
      for (const event of events) {
        await handler(event, context());
        expect(await jobItem(queuedId)).toEqual(before);
      }
      expect(before).toMatchObject({ status: 'QUEUED', attempts: 0 });
    } finally {
      poller().resume();
    }
    // The genuine message still runs it, as its owner.
    const done = await waitForJob(token, queuedId);
    expect(done.body).toMatchObject({ status: 'SUCCEEDED', attempts: 1 });
    await quiesce();
    const finishedItem = await jobItem(queuedId);
    await (await realWorker())(forgedEvent({ jobId: queuedId }), context());
    expect(await jobItem(queuedId)).toEqual(finishedItem);
    expect((await itemsOf(victim)).usage).toHaveLength(1);
  });

  it('changes nothing: a genuine duplicate message for a job that already finished', async () => {
    const sub = newUser();
    const token = await tokenFor(sub);
    const { jobId } = (await submit(token, { prompt: `duplicate ${randomUUID()}` })).body;
    await waitForJob(token, jobId);
    await quiesce();
    const before = await jobItem(jobId);
    const deletedBefore = poller().stats().deleted;
    const q = queues();
    try {
      await q.send('jobs', JSON.stringify({ jobId }));
    } finally {
      q.close();
    }
    await until(
      async () => poller().stats().deleted,
      (deleted) => deleted > deletedBefore,
    );
    expect(await jobItem(jobId)).toEqual(before);
    expect((await itemsOf(sub)).usage).toHaveLength(1);
  });
});

describe('when SQS is down', () => {
  it('answers 503 with Retry-After and leaves no job behind; the same key then creates that job', async () => {
    const sub = newUser();
    const token = await tokenFor(sub);
    const key = randomUUID();
    const prompt = `queue down ${randomUUID()}`;
    await poller().pause();
    const q = queues();
    const restore = await q.breakJobsQueue();
    try {
      const refused = await submit(token, { prompt }, key);
      expect(refused.status).toBe(503);
      expect(refused.headers.get('content-type')).toBe('application/problem+json');
      expect(refused.headers.get('retry-after')).toBe('5');
      expect((await submit(token, { prompt: 'no key' })).status).toBe(503);
      const stored = await itemsOf(sub);
      expect(stored.jobs).toEqual([]);
      expect(stored.slots).toEqual([]);
      // The key keeps its reservation (no job): a retry with it recreates that very job id, a concurrent duplicate
      // cannot create a second one.
      expect(stored.keys).toHaveLength(1);
      expect((await get(token, '/jobs')).body.items).toEqual([]);
    } finally {
      await restore();
      q.close();
      poller().resume();
    }
    const retried = await submit(token, { prompt }, key);
    expect(retried.status).toBe(202);
    expect(retried.body.jobId).toBe((await itemsOf(sub)).keys[0]?.jobId);
    expect((await waitForJob(token, retried.body.jobId)).body.status).toBe('SUCCEEDED');
  });
});

describe('job_status tool', () => {
  it("reports the caller's job over REST (and so over MCP and in chat), and nobody else's", async () => {
    const token = await tokenFor(newUser());
    const { jobId } = (await submit(token, { prompt: `tool ${randomUUID()}` })).body;
    await waitForJob(token, jobId);
    const call = (who: string) =>
      getJson(`${runtime().url}/tools/job_status`, {
        method: 'POST',
        headers: { authorization: `Bearer ${who}`, 'content-type': 'application/json' },
        body: JSON.stringify({ jobId }),
      });
    const mine = await call(token);
    expect(mine.status).toBe(200);
    expect(mine.body).toMatchObject({ jobId, status: 'SUCCEEDED', reply: expect.stringContaining('echo: tool') });
    expect((await call(await tokenFor(newUser()))).status).toBe(404);
  });
});
