import http from 'node:http';
import { type HttpTier, manifest, type RouteSpec, routeKey, routes } from '@toolgate/core/manifest';
import { ALL_SCOPES, type Scope } from '@toolgate/core/scopes';
import { listStripeFixtures, loadStripeFixture } from '@toolgate/local/stripe-send';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FaultInjector, injectFaults } from './support/faults';
import {
  type AuthVariant,
  type FuzzRequest,
  type OpenApiDocument,
  requestsFor,
  sendRaw,
  stripeSignatureFor,
  violations,
} from './support/fuzz';
import { getJson, useLocalRuntime } from './support/runtime';

/**
 * Fuzzing every route of the manifest through the local gateway (issue 9): random and adversarial paths, query
 * strings, headers, content types, encodings, sizes and bodies shaped by the OpenAPI document, with valid and
 * invalid credentials and Stripe signatures. Invariants per case: never a 5xx; every 4xx is problem+json (or the
 * gateway's own `{"message"}`); no write for a refused request; no unhandled rejection; the runtime still answers.
 *
 * `FUZZ_RUNS` sets the cases per route (300 here; `pnpm fuzz` runs 5,000), `FUZZ_SEED` replays a failing run.
 */
const RUNS = Number(process.env.FUZZ_RUNS ?? 300);
const SEED = process.env.FUZZ_SEED === undefined ? undefined : Number(process.env.FUZZ_SEED);
/** Wall-clock allowance per route: generous, because a few cases per route run the whole chat loop or a job submit. */
const ROUTE_TIMEOUT_MS = Math.max(60_000, RUNS * 100);

const previousLimits = process.env.TOOLGATE_LIMITS;
process.env.TOOLGATE_LIMITS = JSON.stringify({
  plans: {
    free: { requestsPerMinute: { standard: 1e6, tools: 1e6, chat: 1e6 }, chatTokensPerMonth: 1e9 },
    pro: { requestsPerMinute: { standard: 1e6, tools: 1e6, chat: 1e6 }, chatTokensPerMonth: 1e9 },
  },
  public: { burst: 1e6, refillPerSecond: 1e6, maxTrackedClients: 10 },
});
afterAll(() => {
  if (previousLimits === undefined) delete process.env.TOOLGATE_LIMITS;
  else process.env.TOOLGATE_LIMITS = previousLimits;
});

// No jobs poller and no gateway throttle: nothing may write in the background between cases, and a 429 from the
// gateway's own buckets would only hide the handlers from the fuzzer.
const runtime = useLocalRuntime({ worker: null, gateway: { throttling: null } });

const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => unhandled.push(reason);
process.on('unhandledRejection', onUnhandled);

let doc: OpenApiDocument;
let tools: { name: string; inputSchema: Record<string, unknown> }[] = [];
let recorders: FaultInjector[] = [];
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
const casesPerRoute = new Map<string, number>();
/** Answers per route by status: shows how far the cases got (2xx reached the handler's logic). */
const statusesPerRoute = new Map<string, Record<string, number>>();

beforeAll(async () => {
  doc = (await getJson(`${runtime().url}/openapi.json`)).body as OpenApiDocument;
  const token = await runtime().issuer.mintAccessToken({ sub: 'fuzz-setup', scopes: ALL_SCOPES });
  tools = (await getJson(`${runtime().url}/tools`, { headers: { authorization: `Bearer ${token}` } })).body.tools;
  EXAMPLES[routeKey(routes.stripeWebhook)] = await Promise.all(
    (await listStripeFixtures()).map((fixture) => loadStripeFixture(fixture)),
  );
  const [{ doc: dynamo }, { s3Client }, { sqsClient }, { sfnClient }] = await Promise.all([
    import('@toolgate/functions/deps/base'),
    import('@toolgate/functions/deps/storage'),
    import('@toolgate/functions/deps/jobs'),
    import('@toolgate/functions/deps/ingestion'),
  ]);
  // Clients the tiers load on first use: load them now, so the recorders sit on the instances the handlers get.
  const [s3, sqs, sfn] = await Promise.all([s3Client(), sqsClient(), sfnClient()]);
  recorders = [injectFaults(dynamo), injectFaults(s3), injectFaults(sqs), injectFaults(sfn)];
});
afterAll(() => {
  for (const recorder of recorders) recorder.remove();
  agent.destroy();
  process.off('unhandledRejection', onUnhandled);
});

const WRITE = /^(Put|Update|Delete|BatchWrite|TransactWrite|Send|Start|Copy|Create|Change|Upload|Complete|Restore)/;

/** The item a DynamoDB write touched (`Item` for puts, `Key` otherwise), or the whole input for other services. */
function target(input: Record<string, unknown>): string {
  const item = (input.Item ?? input.Key) as Record<string, unknown> | undefined;
  return JSON.stringify(item ? [input.TableName, item.pk, item.sk] : input).slice(0, 200);
}

/**
 * What the last case left written: successful writes, minus those a later delete of the same item undid within the
 * case (a refused request may compensate, e.g. give back the Idempotency-Key it reserved), minus the per-plan
 * request counter, which counts every authenticated request reaching the api tier — refused or not, as a usage
 * plan would — before the body is even read.
 */
function writes(): string[] {
  return recorders.flatMap((recorder) => {
    const left = new Map<string, string>();
    for (const entry of recorder.log) {
      if (entry.ok !== true || !WRITE.test(entry.command)) continue;
      const key = target(entry.input);
      if (/^Update/.test(entry.command) && key.includes('LIMIT#REQ#')) continue;
      if (/^Delete(Item)?Command$/.test(entry.command) && left.has(key)) left.delete(key);
      else left.set(key, `${entry.command} ${key}`);
    }
    return [...left.values()];
  });
}

/** Credentials per variant, minted once per route (a new user each time, so per-user state never carries over). */
async function credentials(route: RouteSpec, tier: HttpTier): Promise<Record<AuthVariant, string | null>> {
  const sub = `fuzz-${tier}-${route.method}-${route.path.replace(/\W+/g, '-')}`;
  const { issuer } = runtime();
  const routeScopes = route.auth.kind === 'jwt' ? (route.auth.scopes as readonly Scope[]) : [];
  const other = ALL_SCOPES.filter((s) => !routeScopes.includes(s));
  return {
    valid: `Bearer ${await issuer.mintAccessToken({ sub, scopes: ALL_SCOPES })}`,
    none: null,
    garbage: 'Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.',
    'wrong-scope': `Bearer ${await issuer.mintAccessToken({ sub, scopes: other.slice(0, 1) })}`,
    expired: `Bearer ${await issuer.mintAccessToken({ sub, scopes: ALL_SCOPES, expiresInSeconds: -120 })}`,
    'id-token': `Bearer ${await issuer.mintIdToken({ sub })}`,
    basic: 'Basic ZnV6ejpmdXp6',
  };
}

function wire(request: FuzzRequest, auth: Record<AuthVariant, string | null>) {
  const headers = [...request.headers];
  const authorization = auth[request.auth];
  if (authorization) headers.push(['authorization', authorization]);
  if (request.stripeSignature !== null) {
    const body = request.body ?? Buffer.alloc(0);
    const now = Math.floor(Date.now() / 1000);
    const signature =
      request.stripeSignature === 'valid'
        ? stripeSignatureFor(body, now)
        : request.stripeSignature === 'stale'
          ? stripeSignatureFor(body, now - 3_600)
          : request.stripeSignature;
    headers.push(['stripe-signature', signature]);
  }
  return { method: request.method, path: request.path, headers, body: request.body };
}

/**
 * Known-good bodies per route, mutated one field at a time by the fuzzer so that many cases get past validation
 * into the handlers (routes without any still get bodies shaped by their OpenAPI schema). The webhook's are the
 * Stripe fixtures of `pnpm stripe:send`, signed by the runner.
 */
const EXAMPLES: Record<string, unknown[]> = {
  'POST /chat': [{ message: 'find the cheapest gpu' }, { message: 'what is my plan and usage?' }],
  'POST /jobs': [
    { prompt: 'Summarize: toolgate is a template.' },
    { messages: [{ role: 'user', content: 'compare every compute product' }], options: { stepCap: 2 } },
  ],
  'POST /uploads': [
    { filename: 'notes.txt', contentType: 'text/plain', size: 120 },
    { filename: 'paper.pdf', contentType: 'application/pdf', size: 50_000 },
  ],
  'POST /mcp': [
    {
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'fuzz', version: '1' } },
    },
    { jsonrpc: '2.0', id: 2, method: 'tools/list' },
    { jsonrpc: '2.0', id: 3, method: 'tools/call', params: { name: 'catalog_search', arguments: { q: 'gpu' } } },
    // Batches (issue 20.1): counted per tools/call, refused under protocol versions without batching, mixed with
    // other messages, over the SDK's 100, with a forged cursor inside.
    Array.from({ length: 5 }, (_, i) => ({
      jsonrpc: '2.0',
      id: i,
      method: 'tools/call',
      params: { name: 'catalog_get', arguments: { id: 'gpu-l4-hour' } },
    })),
    Array.from({ length: 101 }, (_, i) => ({ jsonrpc: '2.0', id: i, method: 'tools/list' })),
    [
      { jsonrpc: '2.0', id: 1, method: 'tools/list' },
      { jsonrpc: '2.0', method: 'notifications/initialized' },
      { jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'catalog_search', arguments: { cursor: 'e30' } } },
    ],
    [],
  ],
  'POST /tools/{name}': [
    { q: 'gpu', limit: 3 },
    { id: 'gpu-l4-hour' },
    {},
    // The unsigned cursor that used to reach DynamoDB, and a signed-looking one (issue 20.3).
    { limit: 2, cursor: 'eyJzIjoiY2F0YWxvZ3x8IiwiayI6eyJwayI6MX19' },
    { limit: 2, cursor: 'v1.e30.AAAA' },
  ],
};

const operationOf = (route: RouteSpec) => doc.paths[route.path]?.[route.method.toLowerCase()];

describe('fuzzing every route through the local gateway', () => {
  for (const route of manifest) {
    it(
      `${routeKey(route)}: ${RUNS} cases, never a 5xx, 4xx as problem+json, no write when refused`,
      async () => {
        const auth = await credentials(route, route.tier);
        let cases = 0;
        const statuses: Record<string, number> = {};
        statusesPerRoute.set(routeKey(route), statuses);
        await fc.assert(
          fc.asyncProperty(
            requestsFor({
              route,
              operation: operationOf(route),
              doc,
              tools,
              examples: EXAMPLES[routeKey(route)] ?? [],
            }),
            async (request) => {
              cases += 1;
              for (const recorder of recorders) recorder.reset();
              const sent = wire(request, auth);
              const answer = await sendRaw(runtime().url, sent, agent);
              statuses[answer.status] = (statuses[answer.status] ?? 0) + 1;
              const found = violations(route, sent.method, answer);
              if (answer.status >= 400 && writes().length > 0)
                found.push(`refused with ${answer.status} but wrote ${writes().join('; ')}`);
              if (found.length > 0) {
                throw new Error(
                  `${found.join('; ')}\n  request: ${sent.method} ${sent.path.slice(0, 300)} auth=${request.auth}`,
                );
              }
            },
          ),
          { numRuns: RUNS, ...(SEED !== undefined ? { seed: SEED } : {}), endOnFailure: false },
        );
        casesPerRoute.set(routeKey(route), cases);
        expect(unhandled, 'unhandled rejections').toEqual([]);
        // Still alive and still itself: no crashed handler, no polluted prototype.
        expect((await getJson(`${runtime().url}/health`)).status).toBe(200);
        expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      },
      ROUTE_TIMEOUT_MS,
    );
  }

  it('covered every route of the manifest', () => {
    const covered = [...casesPerRoute.keys()];
    expect(covered.sort()).toEqual(manifest.map(routeKey).sort());
    for (const [key, cases] of casesPerRoute) expect(cases, key).toBeGreaterThanOrEqual(RUNS);
    console.info('fuzz cases per route', JSON.stringify(Object.fromEntries(casesPerRoute)));
    console.info('fuzz answers per route', JSON.stringify(Object.fromEntries(statusesPerRoute)));
  });
});
