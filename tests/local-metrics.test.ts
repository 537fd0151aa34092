import { ALL_SCOPES } from '@toolgate/core/scopes';
import { describe, expect, it } from 'vitest';
import { captureProcessOutput } from './support/output-capture';
import { apiCaller, until, useLocalRuntime } from './support/runtime';
import { ingestText } from './support/uploads';

/**
 * Locally, the handlers' EMF lines are parsed by the runtime (as CloudWatch Logs parses a Lambda's stdout) and
 * exposed in-process (`runtime.metrics`), not printed.
 */
const captured = captureProcessOutput();
const runtime = useLocalRuntime();
const call = apiCaller(runtime);

const total = (name: string, where: Record<string, string> = {}) =>
  runtime()
    .metrics.totals()
    .filter((t) => t.name === name && Object.entries(where).every(([k, v]) => t.dimensions[k] === v))
    .reduce((sum, t) => sum + t.sum, 0);

describe('local metrics', () => {
  it("a job's and a tool call's metrics reach runtime.metrics, each tier's cold start once, and no EMF line reaches the terminal", async () => {
    const seen: string[] = [];
    const unsubscribe = runtime().metrics.subscribe((point) => seen.push(point.name));
    const token = await runtime().issuer.mintAccessToken({ sub: `metrics-${crypto.randomUUID()}`, scopes: ALL_SCOPES });
    const tool = await call(token, 'POST', '/tools/catalog_search', { q: 'gpu', limit: 3 });
    expect(tool.status).toBe(200);
    const submitted = await call(token, 'POST', '/jobs', { prompt: 'find the cheapest gpu' });
    expect(submitted.status).toBe(202);
    await until(
      async () => total('Jobs', { outcome: 'succeeded' }),
      (jobs) => jobs >= 1,
    );

    expect(total('ToolCalls', { tool: 'catalog_search', outcome: 'ok' })).toBeGreaterThanOrEqual(1);
    expect(total('ChatTokensIn', { provider: 'dev' })).toBeGreaterThan(0);
    expect(total('JobDuration', { outcome: 'succeeded' })).toBeGreaterThanOrEqual(0);
    const coldStarts = runtime()
      .metrics.totals()
      .filter((t) => t.name === 'ColdStart');
    // One per tier instance that served something: the api (HTTP) and the worker, each exactly once.
    expect(coldStarts.map((t) => [t.dimensions.function_name, t.sum]).sort()).toEqual(
      expect.arrayContaining([
        [expect.stringMatching(/-api$/), 1],
        [expect.stringMatching(/-worker$/), 1],
      ]),
    );
    for (const t of runtime().metrics.totals()) expect(t.dimensions.service).toBe('toolgate-local');
    // An ingestion: its outcome, and the steps tier's own cold start.
    await ingestText(runtime, token, 'Minutes of the GPU budget meeting: approved.\n');
    await until(
      async () => total('Ingestions', { outcome: 'ready' }),
      (ready) => ready >= 1,
    );
    const stepsColdStarts = runtime()
      .metrics.totals()
      .filter((t) => t.name === 'ColdStart' && t.dimensions.function_name?.endsWith('-steps'));
    expect(stepsColdStarts.map((t) => t.sum)).toEqual([1]);
    expect(seen).toEqual(expect.arrayContaining(['ToolCalls', 'Jobs', 'ColdStart', 'Ingestions']));
    unsubscribe();
    expect(captured.join('')).not.toContain('"_aws"');
  }, 60_000);
});
