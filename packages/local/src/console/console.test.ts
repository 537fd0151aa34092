import type { SQSClient } from '@aws-sdk/client-sqs';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { manualClock } from '@toolgate/core/testing/clock';
import { afterEach, describe, expect, it } from 'vitest';
import type { StepFunctionsEmulator } from '../emulators/stepfunctions';
import { startLocalGateway } from '../gateway/server';
import type { AccessLogEntry } from '../gateway/types';
import type { TokenMinter } from '../issuer';
import { tapJsonLines } from './log-tap';
import { answeredBy, ConsoleRecorder } from './recorder';
import { createConsoleApp } from './server';

const entry = (overrides: Partial<AccessLogEntry> = {}): AccessLogEntry => ({
  requestId: 'r1',
  method: 'GET',
  path: '/catalog',
  routeKey: 'GET /catalog',
  tier: 'public',
  status: 200,
  latencyMs: 1,
  ...overrides,
});

describe('which check answered a request', () => {
  it('names the gateway check from its reason, the Lambda guard from a 401/403 it gave, else the handler', () => {
    expect(answeredBy(entry({ status: 401, gatewayError: 'authorizer: no token' }))).toBe('authorizer');
    expect(answeredBy(entry({ status: 429, gatewayError: 'throttled' }))).toBe('throttle');
    expect(answeredBy(entry({ status: 500, gatewayError: 'function throttled (reserved concurrency)' }))).toBe(
      'concurrency',
    );
    expect(answeredBy(entry({ status: 503, gatewayError: 'integration timeout' }))).toBe('timeout');
    expect(answeredBy(entry({ status: 404, tier: null, gatewayError: 'no route' }))).toBe('gateway');
    expect(answeredBy(entry({ status: 403, tier: 'api' }))).toBe('lambda-guard');
    expect(answeredBy(entry({ status: 429, tier: 'api' }))).toBe('handler');
    expect(answeredBy(entry())).toBe('handler');
  });
});

describe('the console recorder', () => {
  it('keeps requests in order with a sequence number, and counts refusals per tier per second', () => {
    const clock = manualClock(1_000);
    const recorder = new ConsoleRecorder(clock);
    recorder.record(entry({ requestId: 'a' }));
    recorder.record(entry({ requestId: 'b', status: 429, gatewayError: 'throttled' }));
    recorder.record(
      entry({ requestId: 'c', tier: 'api', status: 500, gatewayError: 'function throttled (reserved concurrency)' }),
    );
    expect(recorder.requestsSince(1).map((request) => request.requestId)).toEqual(['b', 'c']);
    const idle = { inUse: 0, reserved: 10 };
    recorder.sample({ public: { inUse: 3, reserved: 10 }, api: idle, webhook: idle });
    recorder.record(entry({ requestId: 'd' }));
    recorder.sample({ public: idle, api: idle, webhook: idle });
    const { samples, totals } = recorder.series();
    expect(samples[0]?.tiers.public).toEqual({ inUse: 3, reserved: 10, requests: 2, s429: 1, s500: 0, s503: 0 });
    expect(samples[0]?.tiers.api).toMatchObject({ requests: 1, s500: 1 });
    expect(samples[1]?.tiers.public).toMatchObject({ requests: 1, s429: 0 });
    expect(totals.public).toEqual({ requests: 3, s429: 1, s500: 0, s503: 0 });
  });

  it('indexes log lines by correlation id (else request id) and ignores lines that name none', () => {
    const recorder = new ConsoleRecorder(manualClock(0));
    recorder.logLine({ message: 'request', requestId: 'r1', correlation_id: 'r1' });
    recorder.logLine({ message: 'step', correlation_id: 'r1', step: 'validate' });
    recorder.logLine({ message: 'only request id', requestId: 'r2' });
    recorder.logLine({ message: 'no id' });
    expect(recorder.linesOf('r1').map((line) => line.message)).toEqual(['request', 'step']);
    expect(recorder.linesOf('r2')).toHaveLength(1);
    expect(recorder.linesOf('unknown')).toEqual([]);
  });
});

describe('the log tap', () => {
  it('reads complete JSON lines across writes, passes every write on, and stops', () => {
    const seen: Record<string, unknown>[] = [];
    const stop = tapJsonLines((line) => seen.push(line));
    try {
      // A write the stream itself still receives (the real stdout, here: a blank-looking no-op write).
      expect(process.stdout.write('')).toBe(true);
      process.stdout.write('{"message":"split", "correlation_id"');
      process.stdout.write(':"x"}\nnot json\n{"message":"second"}\n[1,2]\n');
    } finally {
      stop();
    }
    process.stdout.write('{"message":"after stop"}\n');
    expect(seen).toEqual([{ message: 'split', correlation_id: 'x' }, { message: 'second' }]);
  });
});

describe('the console API', () => {
  const minted: unknown[] = [];
  const sent: unknown[] = [];
  const app = createConsoleApp({
    clock: manualClock(0),
    recorder: new ConsoleRecorder(manualClock(0)),
    issuer: {
      mintAccessToken: async (request: unknown) => {
        minted.push(request);
        return 'dev-token';
      },
    } as unknown as TokenMinter,
    doc: {
      send: async (command: unknown) => {
        sent.push(command);
        return {};
      },
    } as unknown as DynamoDBDocumentClient,
    tableName: 'table',
    sqs: {} as SQSClient,
    queueUrls: { jobs: 'q', jobsDlq: 'dlq' },
    workflows: { executions: () => [] } as unknown as StepFunctionsEmulator,
    apiUrl: () => 'http://127.0.0.1:3000',
    s3Origin: 'http://127.0.0.1:4000',
    concurrency: () => ({
      public: { inUse: 0, reserved: 10 },
      api: { inUse: 0, reserved: 50 },
      webhook: { inUse: 0, reserved: 5 },
    }),
  });
  const call = (path: string, init: RequestInit = {}, remoteAddress = '127.0.0.1') =>
    app.request(
      path,
      { ...init, headers: { host: '127.0.0.1:3000', ...init.headers } },
      {
        incoming: { socket: { remoteAddress } },
      },
    );
  const post = (body: string, headers: Record<string, string> = {}) =>
    call('/_console/api/tokens', { method: 'POST', body, headers: { 'content-type': 'application/json', ...headers } });

  afterEach(() => {
    minted.length = 0;
    sent.length = 0;
  });

  it('mints a dev token and records the plan, as pnpm token --plan does', async () => {
    const answer = await post(JSON.stringify({ sub: 'u1', scopes: ['toolgate/chat'], plan: 'pro' }));
    expect(answer.status).toBe(201);
    expect(await answer.json()).toEqual({ token: 'dev-token', sub: 'u1', scopes: ['toolgate/chat'], plan: 'pro' });
    expect(minted).toEqual([{ sub: 'u1', scopes: ['toolgate/chat'] }]);
    expect(sent).toHaveLength(1);
  });

  it('answers bad input with problem+json naming each field, and mints nothing', async () => {
    const answer = await post(JSON.stringify({ sub: 'a b', scopes: ['chat'], plan: 'gold', extra: 1 }));
    expect(answer.status).toBe(400);
    expect(answer.headers.get('content-type')).toBe('application/problem+json');
    const problem = (await answer.json()) as { type: string; errors: { field: string }[] };
    expect(problem.type).toBe('urn:toolgate:problem:validation');
    expect(problem.errors.map((issue) => issue.field)).toEqual(
      expect.arrayContaining(['body.sub', 'body.scopes.0', 'body.plan']),
    );
    expect((await post('{not json')).status).toBe(400);
    expect((await post('{}', { 'content-type': 'text/plain' })).status).toBe(400);
    expect((await call('/_console/api/requests?since=-1')).status).toBe(400);
    expect((await call('/_console/api/requests/a%20b/logs')).status).toBe(400);
    expect((await call('/_console/api/conversations?sub=a%20b')).status).toBe(400);
    expect((await call('/_console/api/conversations')).status).toBe(400);
    expect(minted).toEqual([]);
  });

  it('answers only loopback clients, on a loopback Host, and takes writes from its own page only', async () => {
    const fromLan = await call('/_console/api/info', {}, '192.168.1.20');
    expect(fromLan.status).toBe(403);
    expect(fromLan.headers.get('content-type')).toBe('application/problem+json');
    // DNS rebinding: a page on another name that resolves to 127.0.0.1.
    expect((await call('/_console/api/info', { headers: { host: 'evil.example:3000' } })).status).toBe(403);
    expect((await post('{}', { origin: 'http://evil.example' })).status).toBe(403);
    expect((await call('/_console/api/info')).status).toBe(200);
    expect((await call('/_console/api/info', {}, '::ffff:127.0.0.1')).status).toBe(200);
    expect(minted).toEqual([]);
  });

  it('serves its page with a CSP that allows only itself and the local S3, and 404s as problem+json', async () => {
    const page = await call('/_console');
    expect(page.status).toBe(200);
    expect((await call('/_console/')).status).toBe(200);
    const csp = page.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("connect-src 'self' http://127.0.0.1:4000;");
    expect(csp).toContain("script-src 'self';");
    const missing = await call('/_console/api/nothing');
    expect(missing.status).toBe(404);
    expect(missing.headers.get('content-type')).toBe('application/problem+json');
  });
});

describe('the gateway sidecar', () => {
  it('hands its path to the console before routing, and refuses a manifest route under it', async () => {
    const logged: AccessLogEntry[] = [];
    const gateway = await startLocalGateway({
      handlers: {},
      authorizer: { issuer: 'https://issuer.example', audience: ['client'], jwks: { keys: [] } },
      routes: [],
      log: (line) => logged.push(line),
      sidecar: { prefix: '/_console', listener: (_req, res) => res.writeHead(200).end('console') },
    });
    try {
      expect(await (await fetch(`${gateway.url}/_console/app.js`)).text()).toBe('console');
      expect(logged).toEqual([]);
      expect((await fetch(`${gateway.url}/_consoles`)).status).toBe(404);
      expect(logged.map((line) => line.gatewayError)).toEqual(['no route']);
      expect(gateway.concurrency().api).toMatchObject({ inUse: 0 });
    } finally {
      await gateway.stop();
    }
    await expect(
      startLocalGateway({
        handlers: {},
        authorizer: { issuer: 'https://issuer.example', audience: ['client'], jwks: { keys: [] } },
        routes: [
          {
            method: 'GET',
            path: '/_console/x',
            tier: 'public',
            auth: { kind: 'public', reason: 'a clash for the test' },
            summary: 'x',
          },
        ],
        sidecar: { prefix: '/_console', listener: () => undefined },
      }),
    ).rejects.toThrow(/GET \/_console\/x is under \/_console/);
  });
});
