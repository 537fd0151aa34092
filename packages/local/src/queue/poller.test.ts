import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startSqs } from '../emulators/sqs';
import type { Emulator } from '../emulators/types';
import { LOCAL_CREDENTIALS } from '../local-env';
import { ensureQueues, type QueueUrls } from '../resources/provision';
import { sleep } from '../testing/fixtures';
import { localQueues } from '../testing/queues';
import { type JobsPoller, type JobsPollerOptions, type SqsHandler, startJobsPoller, succeededMessages } from './poller';

/**
 * The local event source mapping against the real emulator (local-aws-sqs): batching, partial batch responses,
 * whole-batch failures, redrive to the DLQ by the queue's own policy, the concurrency cap, timeouts, clean stops.
 * Queues get a 1 s visibility timeout so that redeliveries happen within the test.
 */
const REGION = 'us-east-1';
let sqsEmulator: Emulator;
let sqs: SQSClient;
let prefix = 0;
const pollers: JobsPoller[] = [];

beforeAll(async () => {
  sqsEmulator = await startSqs({ region: REGION, accountId: '000000000000' });
  sqs = new SQSClient({ region: REGION, endpoint: sqsEmulator.endpoint, credentials: LOCAL_CREDENTIALS });
});
afterEach(async () => {
  await Promise.all(pollers.splice(0).map((poller) => poller.stop()));
});
afterAll(async () => {
  sqs.destroy();
  await sqsEmulator.stop();
});

async function queues(): Promise<QueueUrls> {
  prefix += 1;
  return ensureQueues(sqs, `poller-test-${prefix}`, { visibilityTimeoutSeconds: 1 });
}

async function send(queueUrl: string, ...bodies: string[]) {
  for (const body of bodies) await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: body }));
}

async function poll(queueUrl: string, handler: SqsHandler, options: Partial<JobsPollerOptions> = {}) {
  const poller = await startJobsPoller({
    sqs,
    queueUrl,
    handler,
    region: REGION,
    accountId: '000000000000',
    waitTimeSeconds: 0,
    pollIntervalMs: 20,
    batchWindowMs: 50,
    timeoutMs: 1000,
    ...options,
  });
  pollers.push(poller);
  return poller;
}

async function until(check: () => boolean | Promise<boolean>, timeoutMs = 8000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('condition not reached in time');
    await sleep(25);
  }
}

/** A handler that records every invocation and answers with `respond`. */
function recorder(respond: (event: SQSEvent) => unknown = () => ({ batchItemFailures: [] })) {
  const calls: { event: SQSEvent; context: Context; at: number }[] = [];
  const handler: SqsHandler = async (event, context) => {
    calls.push({ event, context, at: Date.now() });
    return respond(event);
  };
  return { handler, calls, bodies: () => calls.flatMap((call) => call.event.Records.map((record) => record.body)) };
}

describe('local SQS event source mapping', () => {
  it('invokes the handler with real SQS records and a Lambda context, and deletes what succeeded', async () => {
    const urls = await queues();
    const { handler, calls } = recorder();
    const poller = await poll(urls.jobs, handler, { timeoutMs: 900 });
    await send(urls.jobs, '{"jobId":"a"}');
    await until(() => poller.stats().deleted === 1);
    const [call] = calls;
    const record = call?.event.Records[0];
    expect(record).toMatchObject({
      body: '{"jobId":"a"}',
      eventSource: 'aws:sqs',
      eventSourceARN: poller.queueArn,
      awsRegion: REGION,
      md5OfBody: expect.stringMatching(/^[0-9a-f]{32}$/),
      attributes: {
        ApproximateReceiveCount: '1',
        SentTimestamp: expect.stringMatching(/^\d+$/),
        ApproximateFirstReceiveTimestamp: expect.stringMatching(/^\d+$/),
      },
    });
    expect(record?.messageId).toMatch(/^[0-9a-f-]{36}$/);
    expect(record?.receiptHandle.length).toBeGreaterThan(20);
    expect(poller.queueArn).toMatch(/^arn:aws:sqs:us-east-1:000000000000:poller-test-\d+-jobs$/);
    expect(call?.context.functionName).toBe('toolgate-worker');
    expect(call?.context.getRemainingTimeInMillis()).toBeLessThanOrEqual(900);
    expect(call?.context.getRemainingTimeInMillis()).toBeGreaterThan(700);
    const q = localQueues({ endpoint: sqsEmulator.endpoint, region: REGION, queueUrls: urls });
    expect(await q.depth('jobs')).toEqual({ visible: 0, inFlight: 0 });
    q.close();
  });

  it('gathers up to batchSize messages within the batch window', async () => {
    const urls = await queues();
    const { handler, calls } = recorder();
    const poller = await poll(urls.jobs, handler, { batchSize: 5, batchWindowMs: 400, paused: true });
    await send(urls.jobs, ...Array.from({ length: 7 }, (_, i) => `m${i}`));
    poller.resume();
    await until(() => poller.stats().deleted === 7);
    expect(calls.map((call) => call.event.Records.length)).toEqual([5, 2]);
  });

  it('honours a partial batch response: only the failed message comes back, after its visibility timeout', async () => {
    const urls = await queues();
    let failOnce = true;
    const { handler, calls } = recorder((event) => {
      const bad = event.Records.find((record) => record.body === 'bad');
      if (!bad || !failOnce) return { batchItemFailures: [] };
      failOnce = false;
      return { batchItemFailures: [{ itemIdentifier: bad.messageId }] } satisfies SQSBatchResponse;
    });
    const poller = await poll(urls.jobs, handler, { paused: true, batchWindowMs: 300 });
    await send(urls.jobs, 'ok-1', 'bad', 'ok-2');
    poller.resume();
    await until(() => poller.stats().deleted === 3);
    expect(calls).toHaveLength(2);
    expect(calls[0]?.event.Records.map((record) => record.body).sort()).toEqual(['bad', 'ok-1', 'ok-2']);
    expect(calls[1]?.event.Records.map((record) => [record.body, record.attributes.ApproximateReceiveCount])).toEqual([
      ['bad', '2'],
    ]);
    // Redelivered after the queue's 1 s visibility timeout, not before.
    expect((calls[1]?.at ?? 0) - (calls[0]?.at ?? 0)).toBeGreaterThanOrEqual(900);
    expect(poller.stats().itemFailures).toBe(1);
  });

  it('fails the whole batch when the handler throws, or answers an invalid partial response', async () => {
    const urls = await queues();
    let round = 0;
    const { handler, calls } = recorder(() => {
      round += 1;
      if (round === 1) throw new Error('crash');
      if (round === 2) return { batchItemFailures: [{ itemIdentifier: 'not-in-this-batch' }] };
      return { batchItemFailures: [] };
    });
    const poller = await poll(urls.jobs, handler, { paused: true, batchWindowMs: 300 });
    await send(urls.jobs, 'a', 'b');
    poller.resume();
    await until(() => poller.stats().deleted === 2);
    expect(calls.map((call) => call.event.Records.map((record) => record.attributes.ApproximateReceiveCount))).toEqual([
      ['1', '1'],
      ['2', '2'],
      ['3', '3'],
    ]);
    expect(poller.stats().batchFailures).toBe(2);
  });

  it("moves a message that keeps failing to the dead-letter queue by the queue's redrive policy", async () => {
    const urls = await queues();
    const { handler, calls } = recorder((event) => ({
      batchItemFailures: event.Records.map((record) => ({ itemIdentifier: record.messageId })),
    }));
    await poll(urls.jobs, handler);
    await send(urls.jobs, 'poison');
    const q = localQueues({ endpoint: sqsEmulator.endpoint, region: REGION, queueUrls: urls });
    try {
      await until(async () => (await q.peek('jobsDlq')).length === 1, 10_000);
      expect(calls.map((call) => call.event.Records[0]?.attributes.ApproximateReceiveCount)).toEqual(['1', '2', '3']);
      expect(await q.depth('jobs')).toEqual({ visible: 0, inFlight: 0 });
      const [dead] = await q.peek('jobsDlq');
      expect(dead?.body).toBe('poison');
    } finally {
      q.close();
    }
  }, 15_000);

  it('never runs more invocations than its concurrency, and receives nothing while all are busy', async () => {
    const urls = await queues();
    let running = 0;
    let peak = 0;
    const gates: (() => void)[] = [];
    const handler: SqsHandler = async () => {
      running += 1;
      peak = Math.max(peak, running);
      await new Promise<void>((resolve) => gates.push(resolve));
      running -= 1;
      return {};
    };
    const poller = await poll(urls.jobs, handler, { concurrency: 2, batchSize: 1, batchWindowMs: 0, timeoutMs: 1000 });
    await send(urls.jobs, '1', '2', '3', '4', '5');
    await until(() => running === 2);
    await sleep(150);
    expect(poller.stats()).toMatchObject({ running: 2, received: 2 });
    while (poller.stats().deleted < 5) {
      for (const open of gates.splice(0)) open();
      await sleep(20);
    }
    expect(peak).toBe(2);
  });

  it('fails the batch of an invocation that outlives the function timeout and frees its slot', async () => {
    const urls = await queues();
    let release: () => void = () => undefined;
    let first = true;
    const handler: SqsHandler = async () => {
      if (first) {
        first = false;
        await new Promise<void>((resolve) => (release = resolve));
      }
      return {};
    };
    const poller = await poll(urls.jobs, handler, { concurrency: 1, timeoutMs: 300 });
    await send(urls.jobs, 'slow');
    await until(() => poller.stats().timeouts === 1);
    expect(poller.stats()).toMatchObject({ running: 0, batchFailures: 1, deleted: 0 });
    // Redelivered (receive count 2) once visible again, and handled by the next invocation.
    await until(() => poller.stats().deleted === 1);
    release();
  });

  it('refuses a queue whose visibility timeout is below the function timeout, as AWS does', async () => {
    const urls = await queues();
    await expect(poll(urls.jobs, recorder().handler, { timeoutMs: 5000 })).rejects.toThrow(/visibility timeout/);
  });

  it('pauses (no message taken after pause resolves), resumes, and stops leaving no timer or socket behind', async () => {
    const handles = () =>
      process.getActiveResourcesInfo().filter((kind) => kind === 'Timeout' || kind.startsWith('TCP')).length;
    const urls = await queues();
    const before = handles();
    const { handler, calls } = recorder();
    const poller = await poll(urls.jobs, handler, { waitTimeSeconds: 1 });
    await poller.pause();
    await send(urls.jobs, 'later');
    await sleep(300);
    expect(calls).toHaveLength(0);
    poller.resume();
    await until(() => calls.length === 1);
    pollers.splice(pollers.indexOf(poller), 1);
    await poller.stop();
    await sleep(50);
    expect(handles()).toBeLessThanOrEqual(before);
  });
});

describe('partial batch responses', () => {
  const records = [{ messageId: 'a' }, { messageId: 'b' }] as never[];
  it('read as Lambda reads them', () => {
    const ok = (value: unknown) => succeededMessages(records, { kind: 'returned', value });
    expect(ok(undefined)).toHaveLength(2);
    expect(ok({})).toHaveLength(2);
    expect(ok({ batchItemFailures: [] })).toHaveLength(2);
    expect(ok({ batchItemFailures: [{ itemIdentifier: 'b' }] })).toEqual([{ messageId: 'a' }]);
    expect(ok({ batchItemFailures: [{ itemIdentifier: '' }] })).toBeNull();
    expect(ok({ batchItemFailures: [{ itemIdentifier: 'z' }] })).toBeNull();
    expect(ok({ batchItemFailures: 'b' })).toBeNull();
    expect(ok('nonsense')).toBeNull();
    expect(succeededMessages(records, { kind: 'threw', error: new Error() })).toBeNull();
    expect(succeededMessages(records, { kind: 'timed-out' })).toBeNull();
  });
});
