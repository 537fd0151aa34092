import { ALL_SCOPES } from '@toolgate/core/scopes';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiCaller, useLocalRuntime } from './support/runtime';

/**
 * Issue 20.3: a pagination cursor is only ever one this API issued for the same listing. Before cursors were
 * signed, an edited one (base64url JSON) reached DynamoDB as `ExclusiveStartKey`: a ValidationException, a 500 and
 * an ERROR log, anonymously on `/catalog`. Every listing must answer anything else with a 400 problem+json naming
 * the cursor, before any query runs.
 */
const previousLimits = process.env.TOOLGATE_LIMITS;
const HIGH = { requestsPerMinute: { standard: 1e6, tools: 1e6, chat: 1e6 }, chatTokensPerMonth: 1e9 };
process.env.TOOLGATE_LIMITS = JSON.stringify({
  plans: { free: HIGH, pro: HIGH },
  public: { burst: 1e6, refillPerSecond: 1e6, maxTrackedClients: 10 },
});
afterAll(() => {
  if (previousLimits === undefined) delete process.env.TOOLGATE_LIMITS;
  else process.env.TOOLGATE_LIMITS = previousLimits;
});

const runtime = useLocalRuntime({ worker: null, gateway: { throttling: null } });
const call = apiCaller(runtime);
let token: string;

beforeAll(async () => {
  token = await runtime().issuer.mintAccessToken({ sub: 'cursor-fuzz', scopes: ALL_SCOPES });
});

/** Each listing, anonymous or not, and how to ask it for a page from `cursor`. */
const LISTINGS: Record<string, (cursor: string) => ReturnType<typeof call>> = {
  'GET /catalog': (cursor) => call(null, 'GET', `/catalog?limit=2&cursor=${encodeURIComponent(cursor)}`),
  'GET /catalog?category': (cursor) =>
    call(null, 'GET', `/catalog?category=models&limit=2&cursor=${encodeURIComponent(cursor)}`),
  'GET /jobs': (cursor) => call(token, 'GET', `/jobs?limit=2&cursor=${encodeURIComponent(cursor)}`),
  'GET /documents': (cursor) => call(token, 'GET', `/documents?limit=2&cursor=${encodeURIComponent(cursor)}`),
  'POST /tools/catalog_search': (cursor) => call(token, 'POST', '/tools/catalog_search', { limit: 2, cursor }),
};

const unsigned = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** What an attacker edits: the old format's fields with keys of every shape, wrong scopes and partitions. */
const keyValue = fc.oneof(fc.string({ maxLength: 40 }), fc.integer(), fc.constant(''), fc.constant('CATALOG'));
const forgedKey = fc.oneof(
  fc.dictionary(fc.constantFrom('pk', 'sk', 'gsi1pk', 'gsi1sk', 'x', 'id'), keyValue),
  fc.record({ pk: keyValue, sk: keyValue, gsi1pk: keyValue, gsi1sk: keyValue }),
);
const scope = fc.constantFrom('catalog||', 'catalog|models|', 'jobs|cursor-fuzz', 'documents|cursor-fuzz', 'x');
const forgedCursor = fc.oneof(
  fc.record({ s: scope, k: forgedKey }).map(unsigned),
  fc
    .tuple(fc.record({ s: scope, k: forgedKey }).map(unsigned), fc.base64String({ maxLength: 44 }))
    .map(([payload, mac]) => `v1.${payload}.${mac.replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_')}`),
  fc.string({ minLength: 1, maxLength: 200 }),
  fc.base64String({ minLength: 4, maxLength: 200 }),
);

function expectCursorRefused(answer: Awaited<ReturnType<typeof call>>, where: string): void {
  expect(answer.status, `${where}: ${JSON.stringify(answer.body)}`).toBe(400);
  expect(answer.headers.get('content-type'), where).toMatch(/^application\/problem\+json/);
  expect(JSON.stringify(answer.body.errors ?? answer.body), where).toMatch(/cursor/);
}

describe('forged pagination cursors', () => {
  it('the unsigned cursor that used to reach DynamoDB (a number as the partition key) is a 400 on every listing', async () => {
    const cursor = unsigned({ s: 'catalog||', k: { pk: 1, sk: 'x' } });
    for (const [listing, ask] of Object.entries(LISTINGS)) expectCursorRefused(await ask(cursor), listing);
  });

  it('a cursor from one listing is refused by another (its scope and partition are signed in)', async () => {
    const page = await call(null, 'GET', '/catalog?limit=1');
    expect(page.status).toBe(200);
    const catalogCursor = page.body.nextCursor as string;
    expect((await LISTINGS['GET /catalog']?.(catalogCursor))?.status).toBe(200);
    for (const listing of ['GET /catalog?category', 'GET /jobs', 'GET /documents'] as const) {
      expectCursorRefused(await (LISTINGS[listing] as (c: string) => ReturnType<typeof call>)(catalogCursor), listing);
    }
  });

  it('every arbitrary cursor on every listing: 400 problem+json, never a 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...Object.keys(LISTINGS)), forgedCursor, async (listing, cursor) => {
        const answer = await (LISTINGS[listing] as (c: string) => ReturnType<typeof call>)(cursor);
        // A cursor too long for the query schema is refused by it (also a 400 on query.cursor).
        expectCursorRefused(answer, `${listing} cursor=${cursor.slice(0, 80)}`);
      }),
      { numRuns: Number(process.env.FUZZ_RUNS ?? 150) },
    );
  }, 120_000);
});
