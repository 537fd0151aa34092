import { randomUUID } from 'node:crypto';
import { scope } from '@toolgate/core/scopes';
import { uploadItemKey } from '@toolgate/core/uploads/aws/repository';
import { STRANDED_REASON } from '@toolgate/core/uploads/service';
import {
  INGESTION_RETRY,
  INGESTION_STRANDED_AFTER_SECONDS,
  LAMBDA_THROTTLED,
  THROTTLE_RETRY,
} from '@toolgate/core/workflows/ingestion';
import { setAttributes } from '@toolgate/local/testing/table';
import { afterEach, describe, expect, it } from 'vitest';
import { apiCaller, useLocalRuntime } from './support/runtime';
import { ingestText } from './support/uploads';

/**
 * A burst of uploads against the steps function's small reserved concurrency: the Lambda service refuses invokes
 * with `Lambda.TooManyRequestsException` before the function runs. The Step Functions emulator runs the deployed ASL
 * (only the waits shortened) and refuses the Task invokes the test names, MarkFailed's included, so these are the
 * deployed Retry/Catch rules at work, plus the api tier's self-healing read.
 */
const runtime = useLocalRuntime({ workflowRetryIntervalMs: 5 });
const call = apiCaller(runtime);

afterEach(() => runtime().workflows.emulator.failInvokes(null));

/** Refuses the first `times` invokes of the given steps (every one when `times` is Infinity). */
function throttle(steps: string[], times: number) {
  let left = times;
  runtime().workflows.emulator.failInvokes((_fn, payload) => {
    const step = (payload as { step?: string } | null)?.step ?? '';
    if (!steps.includes(step) || left <= 0) return null;
    left -= 1;
    return LAMBDA_THROTTLED;
  });
}

async function ingest(text: string) {
  const sub = `user-${randomUUID()}`;
  const token = await runtime().issuer.mintAccessToken({ sub, scopes: [scope('documents')] });
  return { ...(await ingestText(runtime, token, text)), sub, token };
}

const retriesOf = (execution: { history: { type: string; state?: string }[] } | undefined, state: string) =>
  execution?.history.filter((e) => e.type === 'StateRetried' && e.state === state).length;

describe('ingestion under Lambda throttling', () => {
  it('outlasts a burst longer than the transient-error budget and ends READY', async () => {
    // More refusals than the transient budget allows: with throttling in that budget, this upload would fail.
    const refusals = INGESTION_RETRY.maxAttempts + 3;
    expect(refusals).toBeLessThanOrEqual(THROTTLE_RETRY.maxAttempts);
    throttle(['summarize'], refusals);
    const { id, token, execution } = await ingest('The harbour committee met on Monday. The crane will be painted.');
    expect(execution?.status).toBe('SUCCEEDED');
    expect(retriesOf(execution, 'Summarize')).toBe(refusals);
    expect((await call(token, 'GET', `/uploads/${id}`)).body).toMatchObject({ id, status: 'READY' });
  });

  it('never leaves an upload PROCESSING, even when MarkFailed itself is throttled to the end', async () => {
    throttle(['extractText', 'markFailed'], Number.POSITIVE_INFINITY);
    const { id, sub, token, execution } = await ingest('Throttled from the second step on, and its failure too.');
    // Every budget spent: ExtractText's, then MarkFailed's; the execution fails without recording it on the upload.
    expect(execution).toMatchObject({ status: 'FAILED', error: 'IngestionFailed' });
    expect(retriesOf(execution, 'ExtractText')).toBe(THROTTLE_RETRY.maxAttempts);
    expect(retriesOf(execution, 'MarkFailed')).toBe(THROTTLE_RETRY.maxAttempts);
    // Until the workflow's timeout has certainly passed, the upload may still move: it stays PROCESSING.
    expect((await call(token, 'GET', `/uploads/${id}`)).body).toMatchObject({ status: 'PROCESSING' });

    // Time passes (the record's last write moved back past the workflow timeout plus a step's timeout)...
    const { region, tableName, endpoints } = runtime();
    const longAgo = new Date(Date.now() - (INGESTION_STRANDED_AFTER_SECONDS + 60) * 1000).toISOString();
    await setAttributes({ region, tableName, endpoint: endpoints.dynamodb }, uploadItemKey(sub, id), {
      updatedAt: longAgo,
    });

    // ...and the next read marks it FAILED, for good.
    const healed = (await call(token, 'GET', `/uploads/${id}`)).body;
    expect(healed).toMatchObject({ id, status: 'FAILED', error: STRANDED_REASON });
    expect((await call(token, 'GET', `/uploads/${id}`)).body).toMatchObject({ status: 'FAILED' });
  });
});
