import { randomUUID } from 'node:crypto';
import { createDocumentClient } from '@toolgate/core/data/dynamo';
import type { LimitsConfig } from '@toolgate/core/limits/plans';
import { scope } from '@toolgate/core/scopes';
import { createUsersRepository } from '@toolgate/core/users/aws/repository';
import { LOCAL_CREDENTIALS } from '@toolgate/local/local-env';
import { scanTable } from '@toolgate/local/testing/table';
import { afterAll, describe, expect, it } from 'vitest';
import { getJson, useLocalRuntime } from './support/runtime';
import { streamChat } from './support/sse';

/**
 * Per-plan limits end to end: DynamoDB counters (dynalite) behind the api tier, and the public tier's in-memory
 * per-IP buckets, through the local gateway. Small limits (configuration, like every stage's) keep it fast.
 */
const LIMITS: LimitsConfig = {
  plans: {
    free: { requestsPerMinute: { standard: 5, tools: 3, chat: 2 }, chatTokensPerMonth: 1 },
    pro: { requestsPerMinute: { standard: 12, tools: 6, chat: 4 }, chatTokensPerMonth: 1_000_000 },
  },
  public: { burst: 15, refillPerSecond: 0.1, maxTrackedClients: 100 },
};
const previous = process.env.TOOLGATE_LIMITS;
process.env.TOOLGATE_LIMITS = JSON.stringify(LIMITS); // read by the handlers when the runtime imports them
afterAll(() => {
  if (previous === undefined) delete process.env.TOOLGATE_LIMITS;
  else process.env.TOOLGATE_LIMITS = previous;
});

const runtime = useLocalRuntime({ seed: false });
const ALL = [scope('tools'), scope('chat'), scope('profile')];

const newUser = () => `user-${randomUUID()}`;
const tokenFor = (sub: string) => runtime().issuer.mintAccessToken({ sub, scopes: ALL });
const get = (token: string, path: string) =>
  getJson(`${runtime().url}${path}`, { headers: { authorization: `Bearer ${token}` } });
const post = (token: string, path: string, body: unknown) =>
  getJson(`${runtime().url}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

/** The limits are fixed one-minute windows: start a burst early enough in one that it cannot straddle two. */
async function freshWindow(neededMs = 5_000) {
  const left = 60_000 - (Date.now() % 60_000);
  if (left < neededMs) await new Promise((resolve) => setTimeout(resolve, left + 50));
}

async function setPlan(sub: string, plan: 'free' | 'pro') {
  const doc = createDocumentClient({
    region: runtime().region,
    endpoint: runtime().endpoints.dynamodb,
    credentials: LOCAL_CREDENTIALS,
  });
  try {
    await createUsersRepository(doc, runtime().tableName).setPlan(sub, plan);
  } finally {
    doc.destroy();
  }
}

async function burst(token: string, count: number, path = '/tools') {
  const responses = [];
  for (let i = 0; i < count; i++) responses.push(await get(token, path));
  return responses;
}

describe('per-plan limits (DynamoDB counters)', () => {
  it('lets n requests through in a window and answers the (n+1)-th with 429, Retry-After and RateLimit headers', async () => {
    await freshWindow();
    const token = await tokenFor(newUser());
    const responses = await burst(token, 6);
    expect(responses.slice(0, 5).map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
    expect(responses.slice(0, 5).map((r) => r.headers.get('ratelimit-remaining'))).toEqual(['4', '3', '2', '1', '0']);
    expect(responses[0]?.headers.get('ratelimit-limit')).toBe('5');

    const refused = responses[5];
    expect(refused?.status).toBe(429);
    expect(refused?.headers.get('content-type')).toBe('application/problem+json');
    const retryAfter = Number(refused?.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(refused?.headers.get('ratelimit-remaining')).toBe('0');
    expect(refused?.headers.get('ratelimit-reset')).toBe(String(retryAfter));
    expect(refused?.body).toMatchObject({
      type: 'urn:toolgate:problem:rate-limited',
      status: 429,
      plan: 'free',
      rateClass: 'standard',
    });
  });

  it('gives a pro token a higher limit than a free one', async () => {
    await freshWindow();
    const freeUser = newUser();
    const proUser = newUser();
    await setPlan(proUser, 'pro');
    const [free, pro] = await Promise.all([burst(await tokenFor(freeUser), 13), burst(await tokenFor(proUser), 13)]);
    expect(free.filter((r) => r.status === 200)).toHaveLength(5);
    expect(pro.filter((r) => r.status === 200)).toHaveLength(12);
    expect(pro[0]?.headers.get('ratelimit-limit')).toBe('12');
    expect(pro[12]?.status).toBe(429);
    expect(pro[12]?.body.plan).toBe('pro');
  });

  it("does not let one user's traffic affect another user, or one route class affect another", async () => {
    await freshWindow();
    const alice = await tokenFor(newUser());
    const bob = await tokenFor(newUser());
    expect((await burst(alice, 6)).at(-1)?.status).toBe(429);
    const bobs = await get(bob, '/tools');
    expect(bobs.status).toBe(200);
    expect(bobs.headers.get('ratelimit-remaining')).toBe('4');
    // Alice's `standard` requests are spent; her `tools` class is not.
    const toolCall = await post(alice, '/tools/catalog_search', { q: 'gpu' });
    expect(toolCall.status).toBe(200);
    expect(toolCall.headers.get('ratelimit-limit')).toBe('3');
  });

  it('keeps the counters as single DynamoDB items per user, class and minute, with a TTL', async () => {
    await freshWindow();
    const sub = newUser();
    await burst(await tokenFor(sub), 7);
    const items = (
      await scanTable({
        endpoint: runtime().endpoints.dynamodb,
        region: runtime().region,
        tableName: runtime().tableName,
      })
    ).filter((item) => item.pk === `USER#${sub}` && String(item.sk).startsWith('LIMIT#REQ#standard#'));
    expect(items).toHaveLength(1);
    expect(items[0]?.count).toBe(5); // refused requests count nothing
    expect(Number(items[0]?.expiresAt)).toBeGreaterThan(Date.now() / 1000);
  });

  it('refuses chat once the monthly token quota is spent, until the month ends', async () => {
    await freshWindow();
    const token = await tokenFor(newUser());
    const first = await post(token, '/chat', { message: 'what is my plan?' });
    expect(first.status).toBe(200);
    const second = await post(token, '/chat', { message: 'and again?' });
    expect(second.status).toBe(429);
    expect(second.body.detail).toContain('chat tokens');
    const endOfMonth = new Date();
    endOfMonth.setUTCMonth(endOfMonth.getUTCMonth() + 1, 1);
    endOfMonth.setUTCHours(0, 0, 0, 0);
    expect(Number(second.headers.get('retry-after'))).toBeCloseTo((endOfMonth.getTime() - Date.now()) / 1000, -2);
  });
});

describe('a streamed chat (Accept: text/event-stream) is limited like any chat, before its stream opens', () => {
  it('monthly token quota: 429 problem+json, not an event stream', async () => {
    await freshWindow();
    const token = await tokenFor(newUser());
    const first = await streamChat(runtime().url, token, { message: 'what is my plan?' });
    expect(first.events.at(-1)?.event).toBe('done');
    const refused = await streamChat(runtime().url, token, { message: 'and again?' });
    expect(refused.status).toBe(429);
    expect(refused.headers.get('content-type')).toBe('application/problem+json');
    expect(refused.body.detail).toContain('chat tokens');
    expect(refused.events).toEqual([]);
  });

  it('the chat rate class: the request past it is a 429 with Retry-After', async () => {
    await freshWindow();
    const sub = newUser();
    await setPlan(sub, 'pro');
    const token = await tokenFor(sub);
    const statuses = [];
    for (let i = 0; i < 5; i++) statuses.push(await streamChat(runtime().url, token, { message: 'hello' }));
    expect(statuses.map((response) => response.status)).toEqual([200, 200, 200, 200, 429]);
    expect(Number(statuses[4]?.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
  });
});

describe('public routes: per-IP token bucket in memory', () => {
  it('refuses an address past its burst with 429 + Retry-After, and writes nothing to the table', async () => {
    const location = {
      endpoint: runtime().endpoints.dynamodb,
      region: runtime().region,
      tableName: runtime().tableName,
    };
    const before = (await scanTable(location)).length;
    const statuses: number[] = [];
    let refused: Awaited<ReturnType<typeof getJson>> | undefined;
    for (let i = 0; i < 20; i++) {
      const response = await getJson(`${runtime().url}/health`);
      statuses.push(response.status);
      if (response.status === 429) refused ??= response;
    }
    expect(statuses.slice(0, 15).every((status) => status === 200)).toBe(true);
    expect(statuses.slice(15)).toEqual([429, 429, 429, 429, 429]);
    expect(Number(refused?.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(refused?.headers.get('content-type')).toBe('application/problem+json');
    expect((await scanTable(location)).length).toBe(before);
  });
});
