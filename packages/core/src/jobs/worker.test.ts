import { describe, expect, it } from 'vitest';
import {
  GatewayTimeoutError,
  InternalError,
  NotFoundError,
  RateLimitedError,
  ServiceUnavailableError,
  ToolgateError,
  UnreadableDataError,
  ValidationError,
} from '../errors';
import { scope } from '../scopes';
import { caller } from '../testing/agent-fakes';
import { scriptedModel } from '../testing/jobs-fakes';
import { jobsHarness } from '../testing/jobs-harness';
import { CorruptJobError } from './aws/repository';
import { resultKey } from './aws/results';
import { describeFailure, retryDelaySeconds } from './worker-failure';

const alice = caller('alice');

/** Errors whose status says the opposite of their `retryable`: the worker must go by the latter. */
class BusyWithA4xx extends ToolgateError {
  override readonly name = 'BusyWithA4xx';
  override readonly retryable = true;
  constructor() {
    super(409, 'busy', 'Busy', { detail: 'Someone else holds the model; retry shortly.' });
  }
}
class FlakyWithA500 extends ToolgateError {
  override readonly name = 'FlakyWithA500';
  override readonly retryable = true;
  constructor() {
    super(500, 'flaky', 'Flaky', { detail: 'A passing fault.' });
  }
}
class GoneWithA503 extends ToolgateError {
  override readonly name = 'GoneWithA503';
  override readonly retryable = false;
  constructor() {
    super(503, 'gone', 'Gone', { detail: 'The model was retired.' });
  }
}
/** An invocation whose runtime deadline is `ms` after the harness clock's now. */
const invocation = (h: ReturnType<typeof jobsHarness>, ms = 60_000) => ({ deadlineAt: h.now() + ms });

async function submitted(h: ReturnType<typeof jobsHarness>, prompt = 'find the cheapest gpu', who = alice) {
  const { job } = await h.service.submit({ caller: who, request: { prompt } });
  return job.jobId;
}

describe('job worker', () => {
  it('logs every line of a run with the correlation id stored on the job, not one the message claims', async () => {
    const h = jobsHarness();
    const { job } = await h.service.submit({ caller: alice, request: { prompt: 'hi' }, correlationId: 'req-1' });
    expect(job.correlationId).toBe('req-1');
    expect(h.queue.correlation.get(job.jobId)).toBe('req-1');
    const lines: { level: string; message: string; attributes?: Record<string, unknown> }[] = [];
    const log = {
      info: (message: string, attributes?: Record<string, unknown>) =>
        lines.push({ level: 'info', message, attributes }),
      warn: (message: string, attributes?: Record<string, unknown>) =>
        lines.push({ level: 'warn', message, attributes }),
      error: (message: string, attributes?: Record<string, unknown>) =>
        lines.push({ level: 'error', message, attributes }),
    };
    // Before the job is loaded, the attribute is all there is (a forged delivery is labelled with what it claims).
    const forged = {
      messageId: 'm',
      receiptHandle: 'forged',
      body: JSON.stringify({ jobId: job.jobId }),
      receiveCount: 1,
    };
    await h.worker.process({ ...forged, correlationId: 'claimed' }, { ...invocation(h), log });
    expect(lines).toEqual([
      expect.objectContaining({ attributes: expect.objectContaining({ correlation_id: 'claimed' }) }),
    ]);
    lines.length = 0;
    const message = { ...h.delivery(job.jobId), correlationId: 'stale' };
    await expect(h.worker.process(message, { ...invocation(h), log })).resolves.toBe('succeeded');
    expect(lines.map((line) => line.message)).toEqual(['job started', 'job succeeded']);
    for (const line of lines) expect(line.attributes?.correlation_id, line.message).toBe('req-1');
  });

  it('runs a QUEUED job as its stored owner and records one result, one usage record, one charge', async () => {
    const h = jobsHarness();
    const jobId = await submitted(h);
    const message = h.delivery(jobId);
    await expect(h.worker.process(message, invocation(h))).resolves.toBe('succeeded');

    const job = await h.jobs.repository.get(jobId);
    expect(job).toMatchObject({ status: 'SUCCEEDED', attempts: 1, owner: 'alice' });
    expect(job?.result?.reply).toContain('Spot GPU hour');
    expect(job?.result?.toolCalls.map((call) => call.name)).toEqual(['catalog_search', 'catalog_get']);
    expect(job?.leaseUntil).toBeUndefined();
    expect(h.ledger.records.get(jobId)).toMatchObject({ sub: 'alice', ...job?.usage });
    expect(await h.charged('alice')).toBe((job?.usage?.inputTokens ?? 0) + (job?.usage?.outputTokens ?? 0));
    expect(h.slots.held.size).toBe(0);
    // The delivery was proved, and hidden until the invocation's end plus a margin.
    expect(h.queue.visibility.get(message.receiptHandle)).toBeGreaterThanOrEqual(60);
  });

  it('ignores a delivery SQS does not vouch for (a forged event): nothing changes', async () => {
    const h = jobsHarness();
    const jobId = await submitted(h);
    const before = await h.jobs.repository.get(jobId);
    const forged = { messageId: 'm', receiptHandle: 'forged', body: JSON.stringify({ jobId }), receiveCount: 1 };
    await expect(h.worker.process(forged, invocation(h))).resolves.toBe('skipped');
    expect(await h.jobs.repository.get(jobId)).toEqual(before);
    expect(h.ledger.records.size).toBe(0);
  });

  it('leaves a poison message (anything but a job id) to be retried into the dead-letter queue', async () => {
    const h = jobsHarness();
    const jobId = await submitted(h);
    const before = await h.jobs.repository.get(jobId);
    for (const body of ['not json', '{}', JSON.stringify({ jobId, sub: 'mallory' })]) {
      const message = h.delivery(jobId, 1, body);
      await expect(h.worker.process(message, invocation(h))).resolves.toBe('retry');
      expect(h.queue.visibility.get(message.receiptHandle)).toBe(h.config.retryDelaySeconds);
    }
    expect(await h.jobs.repository.get(jobId)).toEqual(before);
  });

  it('does nothing for a job that is not QUEUED: finished jobs are skipped, a live attempt is left alone', async () => {
    const h = jobsHarness();
    const jobId = await submitted(h);
    await h.worker.process(h.delivery(jobId), invocation(h));
    const done = await h.jobs.repository.get(jobId);
    const charged = await h.charged('alice');
    // A redelivery, or a duplicate message, of a SUCCEEDED job.
    await expect(h.worker.process(h.delivery(jobId, 2), invocation(h))).resolves.toBe('skipped');
    expect(await h.jobs.repository.get(jobId)).toEqual(done);
    expect(h.ledger.records.size).toBe(1);
    expect(await h.charged('alice')).toBe(charged);

    const other = await submitted(h);
    await h.jobs.repository.take(other, {
      now: h.now(),
      at: new Date(h.now()).toISOString(),
      leaseUntil: h.now() + 60_000,
      receiveCount: 1,
    });
    const running = await h.jobs.repository.get(other);
    await expect(h.worker.process(h.delivery(other, 2), invocation(h))).resolves.toBe('retry');
    expect(await h.jobs.repository.get(other)).toEqual(running);
  });

  it('takes over a RUNNING job whose lease ran out (its worker died) and fences the dead attempt out', async () => {
    const h = jobsHarness();
    const jobId = await submitted(h);
    // Attempt 1 started and its invocation ended (crash, timeout) without a word.
    await h.jobs.repository.take(jobId, {
      now: h.now(),
      at: new Date(h.now()).toISOString(),
      leaseUntil: h.now() - 1,
      receiveCount: 1,
    });
    await expect(h.worker.process(h.delivery(jobId, 2), invocation(h))).resolves.toBe('succeeded');
    expect(await h.jobs.repository.get(jobId)).toMatchObject({ status: 'SUCCEEDED', attempts: 2 });
    // The first attempt waking up later can write nothing.
    const late = await h.jobs.repository.complete(jobId, 1, {
      result: { reply: 'stale', stoppedBy: 'answer', toolCalls: [], usage: { inputTokens: 1, outputTokens: 1 } },
      usage: { inputTokens: 1, outputTokens: 1 },
      at: new Date(h.now()).toISOString(),
      expiresAt: 0,
    });
    expect(late).toBeNull();
    expect(h.ledger.records.size).toBe(1);
  });

  it('requeues a failed attempt with the reason, retries it later, and still records usage once', async () => {
    const model = scriptedModel((_request, call) => {
      if (call === 1) throw new ServiceUnavailableError('The model is busy; retry shortly.', 2);
      return { message: { role: 'assistant', content: 'done on the second try' } };
    });
    const h = jobsHarness({ provider: model, config: { retryDelaySeconds: 7 } });
    const jobId = await submitted(h, 'anything');
    const first = h.delivery(jobId, 1);
    await expect(h.worker.process(first, invocation(h))).resolves.toBe('retry');
    expect(await h.jobs.repository.get(jobId)).toMatchObject({
      status: 'QUEUED',
      attempts: 1,
      lastError: { code: 'model-unavailable', message: 'The model is busy; retry shortly.' },
    });
    expect(h.queue.visibility.get(first.receiptHandle)).toBe(7);
    expect(h.slots.held.size).toBe(1);

    await expect(h.worker.process(h.delivery(jobId, 2), invocation(h))).resolves.toBe('succeeded');
    const job = await h.service.get(alice, jobId);
    expect(job).toMatchObject({ status: 'SUCCEEDED', attempts: 2, result: { reply: 'done on the second try' } });
    expect(job.lastError).toBeUndefined();
    expect(h.ledger.records.size).toBe(1);
    expect(await h.charged('alice')).toBe(15);
  });

  it('fails the job with a readable reason on the last delivery, and leaves the message for the DLQ', async () => {
    const model = scriptedModel(() => {
      throw new ServiceUnavailableError('The model is busy; retry shortly.', 2);
    });
    const h = jobsHarness({ provider: model });
    const jobId = await submitted(h, 'anything');
    expect(await h.worker.process(h.delivery(jobId, 1), invocation(h))).toBe('retry');
    expect(await h.worker.process(h.delivery(jobId, 2), invocation(h))).toBe('retry');
    expect(await h.worker.process(h.delivery(jobId, 3), invocation(h))).toBe('retry');
    const job = await h.service.get(alice, jobId);
    expect(job).toMatchObject({
      status: 'FAILED',
      attempts: 3,
      error: {
        code: 'attempts-exhausted',
        message: 'The job failed on all 3 attempts; the last error: The model is busy; retry shortly.',
      },
    });
    expect(job.finishedAt).toBeDefined();
    expect(h.slots.held.size).toBe(0);
    expect(h.ledger.records.size).toBe(0);
  });

  it('fails at once, without retries, on a failure that retrying cannot fix', async () => {
    const model = scriptedModel(() => {
      throw new ValidationError([{ field: 'input', message: 'is too long for this model' }]);
    });
    const h = jobsHarness({ provider: model });
    const jobId = await submitted(h, 'anything');
    await expect(h.worker.process(h.delivery(jobId), invocation(h))).resolves.toBe('failed');
    expect(await h.jobs.repository.get(jobId)).toMatchObject({ status: 'FAILED', error: { code: 'validation' } });
  });

  it('retries a failure marked retryable, though its status is a 4xx', async () => {
    const model = scriptedModel((_request, call) => {
      if (call === 1) throw new BusyWithA4xx();
      return { message: { role: 'assistant', content: 'done on the second try' } };
    });
    const h = jobsHarness({ provider: model });
    const jobId = await submitted(h, 'anything');
    await expect(h.worker.process(h.delivery(jobId, 1), invocation(h))).resolves.toBe('retry');
    expect(await h.jobs.repository.get(jobId)).toMatchObject({
      status: 'QUEUED',
      lastError: { code: 'model-unavailable', message: 'Someone else holds the model; retry shortly.' },
    });
    await expect(h.worker.process(h.delivery(jobId, 2), invocation(h))).resolves.toBe('succeeded');
  });

  it('decides retries by `retryable`, not by the HTTP status', () => {
    expect(describeFailure(new FlakyWithA500())).toEqual({
      error: { code: 'model-unavailable', message: 'A passing fault.' },
      permanent: false,
    });
    // Not a dependency that will come back: an unexpected failure, retried only as any of those is.
    expect(describeFailure(new GoneWithA503())).toEqual({
      error: { code: 'internal', message: 'The job failed unexpectedly.' },
      permanent: false,
    });
    expect(describeFailure(new BusyWithA4xx())).toMatchObject({
      error: { code: 'model-unavailable' },
      permanent: false,
    });
  });

  it('keeps the decisions for every existing error', () => {
    const decided = (error: unknown) => {
      const { error: reason, permanent } = describeFailure(error);
      return { code: reason.code, permanent };
    };
    expect(decided(new RateLimitedError('Slow down.', 5))).toEqual({ code: 'model-unavailable', permanent: false });
    expect(decided(new ServiceUnavailableError())).toEqual({ code: 'model-unavailable', permanent: false });
    expect(decided(new GatewayTimeoutError())).toEqual({ code: 'timeout', permanent: false });
    expect(decided(new NotFoundError())).toEqual({ code: 'not-found', permanent: true });
    expect(decided(new InternalError())).toEqual({ code: 'internal', permanent: false });
    expect(decided(new UnreadableDataError('x'))).toEqual({ code: 'internal', permanent: false });
    expect(decided(new TypeError('x'))).toEqual({ code: 'internal', permanent: false });
    expect(decided(new CorruptJobError('j', new Error('schema')))).toEqual({ code: 'invalid-job', permanent: true });
  });

  it('stores a result over 256 KB in S3 under the owner, served by a presigned URL', async () => {
    const big = 'x'.repeat(300_000);
    const h = jobsHarness({ provider: scriptedModel(() => ({ message: { role: 'assistant', content: big } })) });
    const jobId = await submitted(h, 'write a lot');
    await expect(h.worker.process(h.delivery(jobId), invocation(h))).resolves.toBe('succeeded');
    const stored = await h.jobs.repository.get(jobId);
    expect(stored?.result).toBeUndefined();
    expect(stored?.resultRef?.key).toBe(resultKey('alice', jobId));
    expect(stored?.resultRef?.key).toBe(`users/alice/results/${jobId}.json`);
    expect(JSON.parse(h.results.objects.get(resultKey('alice', jobId)) ?? '{}').reply).toBe(big);
    const job = await h.service.get(alice, jobId);
    expect(job.result).toBeUndefined();
    expect(job.resultUrl).toContain(`users/alice/results/${jobId}.json`);
    expect(job.resultBytes).toBeGreaterThan(300_000);
  });

  it('runs tools as the owner with the scopes stored with the job, never more', async () => {
    const model = scriptedModel((request) => {
      const last = request.messages.at(-1);
      if (last?.role === 'tool') return { message: { role: 'assistant', content: `tool said ${last.content}` } };
      return {
        message: { role: 'assistant', content: '', toolCalls: [{ id: 't1', name: 'account_get', input: {} }] },
        stopReason: 'tool_use',
      };
    });
    const h = jobsHarness({ provider: model });
    const withProfile = await submitted(h, 'who am i', caller('alice', [scope('jobs'), scope('profile')]));
    await h.worker.process(h.delivery(withProfile), invocation(h));
    expect((await h.service.get(alice, withProfile)).result?.reply).toContain('"sub":"alice"');

    const jobsOnly = await submitted(h, 'who am i', caller('alice', [scope('jobs')]));
    await h.worker.process(h.delivery(jobsOnly), invocation(h));
    const job = await h.service.get(alice, jobsOnly);
    expect(model.calls.at(-2)?.tools.map((tool) => tool.name)).toEqual(['job_status']);
    expect(job.result?.toolCalls[0]).toMatchObject({ name: 'account_get', ok: false, error: { status: 403 } });
  });

  it('fails an unreadable job item instead of retrying it forever', async () => {
    const h = jobsHarness();
    const jobId = await submitted(h);
    const item = h.jobs.items.get(jobId);
    if (!item) throw new Error('no item');
    h.jobs.items.set(jobId, { ...item, request: { nonsense: true } as never });
    const realGet = h.jobs.repository.get;
    h.jobs.repository.get = async (id) => {
      if (id === jobId) throw new CorruptJobError(id, new Error('schema'));
      return realGet(id);
    };
    await expect(h.worker.process(h.delivery(jobId), invocation(h))).resolves.toBe('failed');
    expect(h.jobs.items.get(jobId)).toMatchObject({ status: 'FAILED', error: { code: 'invalid-job' } });
  });

  it('does not start a job with less than a second of its invocation left', async () => {
    const h = jobsHarness();
    const jobId = await submitted(h);
    await expect(h.worker.process(h.delivery(jobId), invocation(h, 500))).resolves.toBe('retry');
    expect(await h.jobs.repository.get(jobId)).toMatchObject({ status: 'QUEUED', attempts: 0 });
  });

  it('backs off retries exponentially, capped at 15 minutes', () => {
    expect([1, 2, 3, 4].map((attempt) => retryDelaySeconds(10, attempt))).toEqual([10, 20, 40, 80]);
    expect(retryDelaySeconds(10, 20)).toBe(900);
  });
});
