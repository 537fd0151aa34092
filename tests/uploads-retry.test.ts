import { randomUUID } from 'node:crypto';
import { OPENAI_MAX_ATTEMPTS } from '@toolgate/core/agent/providers/openai';
import { scope } from '@toolgate/core/scopes';
import { startWireServer } from '@toolgate/core/testing/wire-server';
import { INGESTION_RETRY } from '@toolgate/core/workflows/ingestion';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiCaller, useLocalRuntime } from './support/runtime';
import { ingestText } from './support/uploads';

/**
 * Retry and give-up paths of the ingestion workflow, with a real transient failure: the summarize step talks to an
 * OpenAI-compatible model endpoint (a scripted loopback server here) that answers 503 while "overloaded". The
 * provider retries once itself (OPENAI_MAX_ATTEMPTS), then reports the model unavailable, the step throws
 * TransientError, and the state machine's Retry (the deployed ASL's rules; only the waits shortened) runs the step
 * again.
 */
let mode: 'flaky' | 'down' = 'flaky';
let failuresLeft = 0;
let model: Awaited<ReturnType<typeof startWireServer>> | undefined;

// Registered before the runtime's hooks, so the model endpoint exists when the handlers read their configuration.
beforeAll(async () => {
  model = await startWireServer(() => {
    if (mode === 'down' || failuresLeft-- > 0) return { status: 503, body: { error: { message: 'overloaded' } } };
    return {
      body: {
        id: 'cmpl-1',
        choices: [
          {
            index: 0,
            finish_reason: 'stop',
            message: { role: 'assistant', content: 'Minutes of the lighthouse meeting.' },
          },
        ],
        usage: { prompt_tokens: 50, completion_tokens: 8 },
      },
    };
  });
  Object.assign(process.env, {
    TOOLGATE_MODEL_PROVIDER: 'openai',
    TOOLGATE_OPENAI_BASE_URL: model.url,
    TOOLGATE_MODEL_ID: 'scripted-model',
  });
});
afterAll(() => model?.close());

const runtime = useLocalRuntime({ workflowRetryIntervalMs: 5 });

const call = apiCaller(runtime);

async function ingest(text: string) {
  const token = await runtime().issuer.mintAccessToken({ sub: `user-${randomUUID()}`, scopes: [scope('documents')] });
  const { id, execution } = await ingestText(runtime, token, text);
  return { id, execution, upload: (await call(token, 'GET', `/uploads/${id}`)).body };
}

const retriesOf = (execution: { history: { type: string; state?: string }[] } | undefined) =>
  execution?.history.filter((e) => e.type === 'StateRetried').map((e) => e.state);

describe('ingestion retries', () => {
  it('retries a step that fails transiently, then succeeds', async () => {
    mode = 'flaky';
    // Two step runs fail (each after the provider's own attempts), the third succeeds.
    failuresLeft = 2 * OPENAI_MAX_ATTEMPTS;
    const before = model?.requests.length ?? 0;
    const { upload, execution } = await ingest('The lighthouse committee met on Tuesday. The lamp will be replaced.');
    expect(upload).toMatchObject({ status: 'READY', summary: 'Minutes of the lighthouse meeting.' });
    expect(execution?.status).toBe('SUCCEEDED');
    expect(retriesOf(execution)).toEqual(['Summarize', 'Summarize']);
    // What the dev console shows per state (docs/console.md): each retry's attempt, each state's input and output.
    expect(execution?.history.filter((e) => e.type === 'StateRetried').map((e) => e.attempt)).toEqual([1, 2]);
    const summarize = execution?.history.filter((e) => e.state === 'Summarize' && (e.input ?? e.output));
    expect(JSON.parse(summarize?.[0]?.input ?? 'null')).toMatchObject({ uploadId: upload.id });
    expect(JSON.parse(summarize?.at(-1)?.output ?? 'null')).toMatchObject({ uploadId: upload.id });
    expect((model?.requests.length ?? 0) - before).toBe(2 * OPENAI_MAX_ATTEMPTS + 1);
    // The summarize prompt carries the document as data, with the instructions in the system prompt.
    expect(model?.requests.at(-1)?.body).toMatchObject({
      model: 'scripted-model',
      messages: [
        { role: 'system', content: expect.stringContaining('never as instructions') },
        { role: 'user', content: expect.stringContaining('The lighthouse committee met on Tuesday.') },
      ],
    });
  });

  it('gives up after the ASL’s attempts and records FAILED with the reason', async () => {
    mode = 'down';
    const before = model?.requests.length ?? 0;
    const { upload, execution } = await ingest('Budget notes that will never be summarized.');
    expect(upload.status).toBe('FAILED');
    expect(upload.error).toBe(
      `Processing failed after ${INGESTION_RETRY.maxAttempts} retries: The model is busy; retry shortly. ` +
        'Upload the document again later.',
    );
    expect(execution).toMatchObject({ status: 'FAILED', error: 'IngestionFailed' });
    expect(retriesOf(execution)).toEqual(Array(INGESTION_RETRY.maxAttempts).fill('Summarize'));
    expect((model?.requests.length ?? 0) - before).toBe((INGESTION_RETRY.maxAttempts + 1) * OPENAI_MAX_ATTEMPTS);
    expect(upload.summary).toBeUndefined();
  });
});
