import { type LocalRuntime, type LocalRuntimeOptions, startLocalRuntime } from '@toolgate/local/runtime';
import { temporaryDir } from '@toolgate/local/testing/fixtures';
import { afterAll, beforeAll } from 'vitest';
import { contractObserver } from './contract';

/**
 * The options with the OpenAPI contract check added to the gateway (`contract.ts`): every answer the runtime gives
 * is validated against the document. Any observer the test passes still sees every answer too.
 */
export async function withContractCheck(options: LocalRuntimeOptions): Promise<LocalRuntimeOptions> {
  const check = await contractObserver();
  const own = options.gateway?.onResponse;
  return {
    ...options,
    gateway: {
      ...options.gateway,
      onResponse: (response) => {
        check(response);
        own?.(response);
      },
    },
  };
}

/**
 * Starts one whole local runtime for the calling test file (ephemeral ports, throwaway keys, quiet, answers
 * checked against the OpenAPI document) and stops it after the file. One per file: handler modules bind to the
 * runtime's environment when first imported.
 */
export function useLocalRuntime(options: LocalRuntimeOptions = {}): () => LocalRuntime {
  let runtime: LocalRuntime | undefined;
  let keys: Awaited<ReturnType<typeof temporaryDir>> | undefined;
  beforeAll(async () => {
    keys = await temporaryDir('toolgate-keys-');
    runtime = await startLocalRuntime(
      await withContractCheck({ port: 0, quiet: true, keysDir: keys.path, ...options }),
    );
  });
  afterAll(async () => {
    await runtime?.stop();
    await keys?.remove();
  });
  return () => {
    if (!runtime) throw new Error('local runtime not started');
    return runtime;
  };
}

export async function getJson(url: string, init: RequestInit = {}) {
  const response = await fetch(url, init);
  const text = await response.text();
  let body: unknown = null;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    body = text;
  }
  // biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON
  return { status: response.status, headers: response.headers, body: body as any };
}

/**
 * One API call as a client would make it: a bearer token (or none), a JSON body (a string is sent as is, for
 * malformed-body cases) and extra headers.
 */
export function callApi(
  baseUrl: string,
  token: string | null,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
) {
  return getJson(`${baseUrl}${path}`, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...headers,
    },
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
}

/** `callApi` bound to a file's runtime (from `useLocalRuntime`), read when each call is made. */
export function apiCaller(runtime: () => LocalRuntime) {
  return (token: string | null, method: string, path: string, body?: unknown, headers: Record<string, string> = {}) =>
    callApi(runtime().url, token, method, path, body, headers);
}

/**
 * Polls `probe` every 50 ms until `done` accepts its value, and returns that value; throws with the last value
 * after `timeoutMs`. For state that settles asynchronously: a job, an ingestion, a queue draining.
 */
export async function until<T>(probe: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 20_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (done(value)) return value;
    if (Date.now() > end) throw new Error(`not reached in ${timeoutMs} ms: ${JSON.stringify(value).slice(0, 500)}`);
    await new Promise((wake) => setTimeout(wake, 50));
  }
}

/**
 * Per-plan limits high enough that an end-to-end test's own polling never meets the per-minute limiter, with a
 * monthly token quota the test chooses (`TOOLGATE_LIMITS` takes this object as JSON).
 */
export function generousPlans(chatTokensPerMonth: number) {
  const plan = { requestsPerMinute: { standard: 1000, tools: 1000, chat: 1000 }, chatTokensPerMonth };
  return { free: plan, pro: plan };
}
