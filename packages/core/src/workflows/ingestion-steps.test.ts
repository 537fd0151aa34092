import { describe, expect, it } from 'vitest';
import type { ModelProvider } from '../agent/provider';
import { createDevProvider } from '../agent/providers/dev';
import {
  GatewayTimeoutError,
  NotFoundError,
  RateLimitedError,
  ServiceUnavailableError,
  ToolgateError,
} from '../errors';
import { DEFAULT_PLAN_LIMITS } from '../limits/plans';
import { createChatQuota } from '../limits/rate-limiter';
import { monthWindow } from '../limits/windows';
import { memoryUsage } from '../testing/agent-fakes';
import { manualClock } from '../testing/clock';
import { memoryStorage, memoryUploads } from '../testing/upload-fakes';
import type { UploadRecord } from '../uploads/aws/repository';
import { UploadsConfigSchema } from '../uploads/config';
import { documentTextKey, uploadKey } from '../uploads/keys';
import { DocumentRejectedError, InvalidStepInputError, TransientError } from './errors';
import { INGESTION_RETRY, THROTTLE_RETRY } from './ingestion';
import { classifyStepError, createIngestionSteps, failureReason } from './ingestion-steps';

const ID = '11111111-1111-4111-8111-111111111111';
const limits = UploadsConfigSchema.parse({});

function setup(
  options: {
    model?: ModelProvider;
    status?: UploadRecord['status'];
    body?: string;
    type?: UploadRecord['contentType'];
  } = {},
) {
  const clock = manualClock(Date.parse('2026-11-24T12:00:00Z'));
  const uploads = memoryUploads(clock);
  const storage = memoryStorage(clock);
  const body = options.body ?? 'The heron nests by the lake. It returns every spring. Nobody knows why.';
  const record: UploadRecord = {
    id: ID,
    sub: 'alice',
    filename: 'heron.txt',
    contentType: options.type ?? 'text/plain',
    size: Buffer.byteLength(body),
    status: options.status ?? 'UPLOADED',
    createdAt: '2026-11-24T12:00:00.000Z',
    updatedAt: '2026-11-24T12:00:00.000Z',
  };
  uploads.items.set(`alice|${ID}`, record);
  storage.put(uploadKey('alice', ID), body, options.type ?? 'text/plain');
  const usage = memoryUsage();
  let modelCalls = 0;
  const model = options.model ?? createDevProvider();
  const counted: ModelProvider = {
    ...model,
    converse: (request) => {
      modelCalls += 1;
      return model.converse(request);
    },
  };
  const steps = createIngestionSteps({
    uploads,
    storage,
    model: counted,
    limits,
    users: { get: async () => ({ plan: 'free' }) },
    quota: createChatQuota({ store: usage, plans: DEFAULT_PLAN_LIMITS, now: clock }),
    now: clock,
  });
  const run = (step: string, extra: Record<string, unknown> = {}) =>
    steps.run({ step, uploadId: ID, sub: 'alice', ...extra });
  const tokensUsed = () => usage.tokensUsed('alice', monthWindow(clock()));
  return { uploads, storage, run, usage, clock, tokensUsed, modelCalls: () => modelCalls };
}

const pipeline = ['validate', 'extractText', 'summarize', 'store', 'markReady'];

describe('ingestion steps', () => {
  it('run validate → extract → summarize → store → ready, ending with a searchable document', async () => {
    const { uploads, storage, run } = setup();
    for (const step of pipeline) await run(step);
    const item = uploads.items.get(`alice|${ID}`);
    expect(item).toMatchObject({
      status: 'READY',
      summary: 'Summary: The heron nests by the lake. It returns every spring.',
      textChars: 71,
      textTruncated: false,
      excerpt: 'The heron nests by the lake. It returns every spring. Nobody knows why.',
      gsi1pk: 'DOCS#alice',
      gsi1sk: `${item?.readyAt}#${ID}`,
    });
    expect(item?.search).toContain('heron.txt summary: the heron nests');
    expect(storage.objects.get(documentTextKey('alice', ID))?.contentType).toBe('text/plain; charset=utf-8');
    expect(storage.objects.get(uploadKey('alice', ID))?.tags).toEqual({ 'toolgate-upload': 'claimed' });
  });

  it("charge the summary's model tokens to the owner's monthly quota, once per model call", async () => {
    const { run, tokensUsed, modelCalls } = setup();
    for (const step of pipeline.slice(0, 2)) await run(step);
    expect(await tokensUsed()).toBe(0);
    await run('summarize');
    expect(modelCalls()).toBe(1);
    const charged = await tokensUsed();
    expect(charged).toBeGreaterThan(0);
    // Run again (a retry after the summary was stored): no second call, nothing more charged.
    await run('summarize');
    expect(modelCalls()).toBe(1);
    expect(await tokensUsed()).toBe(charged);
  });

  it('make no model call when the owner has no tokens left: the opening of the document stands in', async () => {
    const { run, uploads, usage, clock, modelCalls } = setup();
    await usage.addTokens('alice', monthWindow(clock()), DEFAULT_PLAN_LIMITS.free.chatTokensPerMonth);
    for (const step of pipeline) await run(step);
    expect(modelCalls()).toBe(0);
    expect(uploads.items.get(`alice|${ID}`)).toMatchObject({
      status: 'READY',
      summary: 'The heron nests by the lake. It returns every spring. Nobody knows why.',
    });
  });

  it('are safe to run twice (Step Functions retries, Lambda may deliver twice)', async () => {
    const { uploads, run } = setup();
    for (const step of pipeline) {
      await run(step);
      await run(step);
    }
    expect(uploads.items.get(`alice|${ID}`)?.status).toBe('READY');
  });

  it('trust only ids: a payload with anything else, another owner, or a wrong state is refused, not retried', async () => {
    const { run } = setup({ status: 'PENDING' });
    await expect(run('validate')).rejects.toMatchObject({
      name: 'InvalidStepInput',
      message: expect.stringMatching(/is PENDING/),
    });
    await expect(run('validate', { key: 'users/bob/uploads/x' })).rejects.toMatchObject({ name: 'InvalidStepInput' });
    await expect(run('delete-everything')).rejects.toMatchObject({ name: 'InvalidStepInput' });
    const other = setup();
    await expect(other.run('validate', { sub: 'bob' })).rejects.toMatchObject({
      name: 'InvalidStepInput',
      message: expect.stringMatching(/No upload/),
    });
    await expect(other.run('summarize')).rejects.toMatchObject({ name: 'InvalidStepInput' });
  });

  it('validate re-checks the object and deletes one that changed since complete', async () => {
    const { storage, run } = setup();
    storage.put(uploadKey('alice', ID), 'swapped for something else entirely, and longer', 'text/plain');
    await expect(run('validate')).rejects.toMatchObject({
      name: 'DocumentRejected',
      message: expect.stringMatching(/changed after it was confirmed/),
    });
    expect(storage.objects.has(uploadKey('alice', ID))).toBe(false);
  });

  it('extract reads exactly the version validate checked: a same-size replacement in between is rejected', async () => {
    const { storage, uploads, run } = setup();
    await run('validate');
    expect(uploads.items.get(`alice|${ID}`)?.etag).toMatch(/^"[0-9a-f]{32}"$/);
    // A POST racing the completion: same size, same type, other bytes; only the ETag tells.
    const original = storage.objects.get(uploadKey('alice', ID));
    storage.put(uploadKey('alice', ID), 'x'.repeat(original?.body.length ?? 0), 'text/plain');
    await expect(run('extractText')).rejects.toMatchObject({
      name: 'DocumentRejected',
      message: expect.stringMatching(/replaced after it was checked/),
    });
    expect(storage.objects.has(documentTextKey('alice', ID))).toBe(false);
  });

  it('summarize turns an unavailable model into TransientError (retried by the ASL)', async () => {
    const busy: ModelProvider = {
      name: 'busy',
      modelId: 'busy',
      converse: () => Promise.reject(new ServiceUnavailableError('The model is busy; retry shortly.')),
    };
    const { run } = setup({ model: busy });
    await run('validate');
    await run('extractText');
    await expect(run('summarize')).rejects.toMatchObject({
      name: 'TransientError',
      message: 'The model is busy; retry shortly.',
    });
  });

  it('markFailed records the reason for uploads in flight, and leaves ready ones alone', async () => {
    const { uploads, run } = setup();
    await run('validate');
    const error = {
      Error: 'DocumentRejected',
      Cause: JSON.stringify({ errorType: 'DocumentRejected', errorMessage: 'No text.' }),
    };
    await run('markFailed', { error });
    expect(uploads.items.get(`alice|${ID}`)).toMatchObject({ status: 'FAILED', error: 'No text.' });

    const ready = setup({ status: 'READY' });
    await ready.run('markFailed', { error });
    expect(ready.uploads.items.get(`alice|${ID}`)?.status).toBe('READY');
  });
});

describe('failureReason', () => {
  it("passes on toolgate's own messages and names anything else by type only", () => {
    const cause = (errorType: string, errorMessage: string) =>
      JSON.stringify({ errorType, errorMessage, trace: ['at x'] });
    expect(failureReason({ Error: 'DocumentRejected', Cause: cause('DocumentRejected', 'Bad\nfile.') })).toBe(
      'Bad file.',
    );
    expect(failureReason({ Error: 'TransientError', Cause: cause('TransientError', 'The model is busy.') })).toBe(
      `Processing failed after ${INGESTION_RETRY.maxAttempts} retries: The model is busy. Upload the document again later.`,
    );
    // Throttling has its own, longer budget, and the reason counts its retries.
    expect(failureReason({ Error: 'Lambda.TooManyRequestsException' })).toBe(
      `Processing failed after ${THROTTLE_RETRY.maxAttempts} retries: the service was too busy. Upload the document again later.`,
    );
    expect(failureReason({ Error: 'Lambda.ServiceException' })).toMatch(/a service it depends on was unavailable/);
    expect(failureReason({ Error: 'TypeError', Cause: cause('TypeError', 'secret internals at /var/task') })).toBe(
      'Processing failed unexpectedly (TypeError).',
    );
    expect(failureReason({ Error: 'States.Timeout' })).toBe('Processing took too long and was stopped.');
    expect(failureReason({ Error: '<script>', Cause: 'x' })).toBe('Processing failed unexpectedly (Error).');
    expect(failureReason(undefined)).toBe('Processing failed unexpectedly (Error).');
    expect(failureReason({ Error: 'DocumentRejected', Cause: 'x'.repeat(5000) })).toHaveLength(500);
  });
});

describe('classifyStepError', () => {
  it('makes throttling, 5xx and network errors transient, and leaves the rest as they are', () => {
    const aws = (name: string, status: number) =>
      Object.assign(new Error(name), { name, $metadata: { httpStatusCode: status } });
    expect(classifyStepError(aws('SlowDown', 503))).toMatchObject({ name: 'TransientError' });
    expect(classifyStepError(aws('ProvisionedThroughputExceededException', 400))).toMatchObject({
      name: 'TransientError',
    });
    expect(classifyStepError(Object.assign(new Error('reset'), { code: 'ECONNRESET' }))).toMatchObject({
      name: 'TransientError',
    });
    const denied = aws('AccessDenied', 403);
    expect(classifyStepError(denied)).toBe(denied);
    const bug = new TypeError('x is undefined');
    expect(classifyStepError(bug)).toBe(bug);
  });

  it('makes a domain error transient when it is retryable, whatever its status', () => {
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
    const flaky = new FlakyWithA500();
    expect(classifyStepError(flaky)).toMatchObject({
      name: 'TransientError',
      message: 'A passing fault.',
      cause: flaky,
    });
    const gone = new GoneWithA503();
    expect(classifyStepError(gone)).toBe(gone);
    for (const error of [new RateLimitedError('Slow down.', 1), new GatewayTimeoutError()]) {
      expect(classifyStepError(error), error.name).toMatchObject({ name: 'TransientError' });
    }
    // The workflow's own errors pass as they are: their names are what the ASL matches.
    for (const error of [
      new TransientError('busy'),
      new DocumentRejectedError('bad'),
      new InvalidStepInputError('x'),
    ]) {
      expect(classifyStepError(error), error.name).toBe(error);
    }
    const missing = new NotFoundError();
    expect(classifyStepError(missing)).toBe(missing);
  });
});
