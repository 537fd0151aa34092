import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readConfig } from '../config-schema';
import { RateLimitedError } from '../errors';
import { memoryUsage } from '../testing/agent-fakes';
import { createClientBuckets } from './client-buckets';
import { DEFAULT_LIMITS, DEFAULT_PLAN_LIMITS, LimitsConfigSchema } from './plans';
import { createChatQuota, createPlanRateLimiter, rateLimitHeaders } from './rate-limiter';
import { minuteWindow, monthWindow } from './windows';

const plans = {
  free: { requestsPerMinute: { standard: 3, tools: 2, chat: 1 }, chatTokensPerMonth: 100 },
  pro: { requestsPerMinute: { standard: 6, tools: 4, chat: 2 }, chatTokensPerMonth: 1000 },
};
const planOf: Record<string, 'free' | 'pro'> = { alice: 'free', bob: 'free', carol: 'pro' };
const users = { get: async (sub: string) => ({ plan: planOf[sub] ?? 'free' }) };

async function refusal(promise: Promise<unknown>): Promise<RateLimitedError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  if (!(error instanceof RateLimitedError)) throw new Error(`expected a RateLimitedError, got ${String(error)}`);
  return error;
}

describe('fixed windows', () => {
  it('name minutes and months in UTC', () => {
    const at = Date.UTC(2026, 10, 30, 23, 59, 30);
    expect(minuteWindow(at)).toEqual({
      key: '2026-11-30T23:59',
      startMs: Date.UTC(2026, 10, 30, 23, 59),
      endMs: Date.UTC(2026, 11, 1),
    });
    expect(monthWindow(at)).toEqual({ key: '2026-11', startMs: Date.UTC(2026, 10, 1), endMs: Date.UTC(2026, 11, 1) });
  });
});

describe('plan rate limiter', () => {
  it('allows n requests per window, then refuses the (n+1)-th with 429, Retry-After and RateLimit headers', async () => {
    let now = Date.UTC(2026, 10, 24, 12, 0, 15);
    const limiter = createPlanRateLimiter({ store: memoryUsage(), users, plans, now: () => now });
    const decisions = [];
    for (let i = 0; i < 3; i++) decisions.push(await limiter.check('alice', 'standard'));
    expect(decisions.map((d) => d.remaining)).toEqual([2, 1, 0]);
    expect(rateLimitHeaders(decisions[0] as never)).toEqual({
      'RateLimit-Limit': '3',
      'RateLimit-Remaining': '2',
      'RateLimit-Reset': '45',
      'RateLimit-Policy': '3;w=60',
    });
    const refused = await refusal(limiter.check('alice', 'standard'));
    expect(refused.status).toBe(429);
    expect(refused.headers).toMatchObject({ 'Retry-After': '45', 'RateLimit-Remaining': '0', 'RateLimit-Limit': '3' });
    now += 45_000; // the next window
    await expect(limiter.check('alice', 'standard')).resolves.toMatchObject({ remaining: 2 });
  });

  it('counts each rate class separately, each user separately, and gives pro more than free', async () => {
    const limiter = createPlanRateLimiter({ store: memoryUsage(), users, plans, now: () => Date.UTC(2026, 0, 1) });
    await limiter.check('alice', 'chat');
    await refusal(limiter.check('alice', 'chat'));
    await expect(limiter.check('alice', 'tools')).resolves.toMatchObject({ limit: 2 });
    await expect(limiter.check('bob', 'chat')).resolves.toMatchObject({ plan: 'free', remaining: 0 });
    await limiter.check('carol', 'chat');
    await expect(limiter.check('carol', 'chat')).resolves.toMatchObject({ plan: 'pro', limit: 2, remaining: 0 });
  });

  it("counts a request of several units all or nothing, against the caller's own plan (MCP batches)", async () => {
    const store = memoryUsage();
    const limiter = createPlanRateLimiter({ store, users, plans, now: () => Date.UTC(2026, 0, 1) });
    const window = minuteWindow(Date.UTC(2026, 0, 1)).key;
    await limiter.check('carol', 'tools');
    // pro allows 4 tools a minute: 1 used, a batch of 4 does not fit and counts nothing; a batch of 3 does.
    const refused = await refusal(limiter.check('carol', 'tools', 4));
    expect(refused.extensions).toMatchObject({ plan: 'pro', rateClass: 'tools', limit: 4, cost: 4 });
    expect(store.counts.get(`carol|tools|${window}`)).toBe(1);
    await expect(limiter.check('carol', 'tools', 3)).resolves.toMatchObject({ remaining: 0 });
    await refusal(limiter.check('carol', 'tools'));
    // More than a whole window of a free plan is refused even though pro's ceiling would hold it.
    await refusal(limiter.check('alice', 'tools', 3));
    expect(store.counts.get(`alice|tools|${window}`)).toBeUndefined();
    await expect(limiter.check('alice', 'tools', 0)).rejects.toThrow(/positive integer/);
  });

  it('reads the plan and counts the request at once: one round trip', async () => {
    const started: string[] = [];
    let openGate = () => {};
    const gate = new Promise<void>((resolve) => {
      openGate = resolve;
    });
    const store = memoryUsage();
    const limiter = createPlanRateLimiter({
      store: {
        ...store,
        hit: (...args) => {
          started.push('hit');
          openGate();
          return store.hit(...args);
        },
      },
      // The plan arrives only once the count has started: a limiter that waited for the plan would never count.
      users: {
        get: async (sub) => {
          started.push('plan');
          await gate;
          return users.get(sub);
        },
      },
      plans,
    });
    const waited = new Promise((_, reject) =>
      setTimeout(() => reject(new Error('the count waited for the plan')), 1_000).unref(),
    );
    await expect(Promise.race([limiter.check('alice', 'standard'), waited])).resolves.toMatchObject({
      plan: 'free',
      remaining: 2,
    });
    expect(started.sort()).toEqual(['hit', 'plan']);
  });

  it("gives back a count its plan refuses, so refused requests count nothing (and the plan's limit holds)", async () => {
    const store = memoryUsage();
    const at = Date.UTC(2026, 0, 1);
    const limiter = createPlanRateLimiter({ store, users, plans, now: () => at });
    for (let i = 0; i < 3; i++) await limiter.check('alice', 'standard');
    for (let i = 0; i < 4; i++) await refusal(limiter.check('alice', 'standard'));
    expect(store.counts.get(`alice|standard|${minuteWindow(at).key}`)).toBe(3); // free allows 3, pro 6
  });

  it('counts nothing when the plan cannot be read, and reports that error', async () => {
    const store = memoryUsage();
    const at = Date.UTC(2026, 0, 1);
    const failing = { get: async () => Promise.reject(new Error('table unavailable')) };
    const limiter = createPlanRateLimiter({ store, users: failing, plans, now: () => at });
    await expect(limiter.check('alice', 'standard')).rejects.toThrow('table unavailable');
    expect(store.counts.get(`alice|standard|${minuteWindow(at).key}`)).toBe(0);
  });

  it('still answers 429 when the give-back fails, and reports a counter that cannot be written', async () => {
    const store = memoryUsage();
    const at = Date.UTC(2026, 0, 1);
    const failingRelease = { ...store, release: async () => Promise.reject(new Error('throttled')) };
    const limiter = createPlanRateLimiter({ store: failingRelease, users, plans, now: () => at });
    for (let i = 0; i < 3; i++) await limiter.check('alice', 'standard');
    expect((await refusal(limiter.check('alice', 'standard'))).status).toBe(429);

    const failingHit = { ...store, hit: async () => Promise.reject(new Error('table unavailable')) };
    const broken = createPlanRateLimiter({ store: failingHit, users, plans, now: () => at });
    await expect(broken.check('bob', 'standard')).rejects.toThrow('table unavailable');
  });

  it('stays exact under concurrency, whatever order the counts and give-backs land in', async () => {
    const at = Date.UTC(2026, 0, 1);
    await fc.assert(
      fc.asyncProperty(
        fc.scheduler(),
        fc.constantFrom('alice', 'carol'),
        fc.integer({ min: 1, max: 12 }),
        async (s, sub, requests) => {
          const store = memoryUsage();
          const limiter = createPlanRateLimiter({
            store: {
              ...store,
              hit: s.scheduleFunction(store.hit),
              release: s.scheduleFunction(store.release),
            },
            users: { get: s.scheduleFunction(users.get) },
            plans,
            now: () => at,
          });
          const settled = await s.waitFor(
            Promise.allSettled(Array.from({ length: requests }, () => limiter.check(sub, 'standard'))),
          );
          const limit = plans[planOf[sub] ?? 'free'].requestsPerMinute.standard;
          const allowed = settled.filter((o) => o.status === 'fulfilled').length;
          expect(allowed).toBe(Math.min(requests, limit));
          expect(store.counts.get(`${sub}|standard|${minuteWindow(at).key}`)).toBe(allowed);
          for (const o of settled) if (o.status === 'rejected') expect(o.reason).toBeInstanceOf(RateLimitedError);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('validates its options when built', () => {
    expect(() => createPlanRateLimiter({ store: memoryUsage(), users, plans: { free: plans.free } as never })).toThrow(
      /pro/,
    );
    const bad = { ...plans, pro: { ...plans.pro, requestsPerMinute: { ...plans.pro.requestsPerMinute, chat: 0 } } };
    expect(() => createPlanRateLimiter({ store: memoryUsage(), users, plans: bad })).toThrow(/pro.chat/);
    expect(() => createPlanRateLimiter({ store: undefined as never, users, plans })).toThrow(/store/);
  });
});

describe('monthly chat token quota', () => {
  it('refuses chats once the month is spent, until the month ends', async () => {
    const now = Date.UTC(2026, 10, 30, 23, 0, 0);
    const quota = createChatQuota({ store: memoryUsage(), plans, now: () => now });
    await expect(quota.assertAvailable('alice', 'free')).resolves.toMatchObject({ used: 0, remaining: 100 });
    await quota.record('alice', 60);
    await quota.record('alice', 60); // a chat cannot know its cost up front: the overshoot is recorded
    const refused = await refusal(quota.assertAvailable('alice', 'free'));
    expect(refused.headers['Retry-After']).toBe('3600');
    await expect(quota.assertAvailable('alice', 'pro')).resolves.toMatchObject({ used: 120, remaining: 880 });
    await expect(quota.status('bob', 'free')).resolves.toMatchObject({ month: '2026-11', used: 0 });
  });
});

describe('per-IP token buckets (public routes)', () => {
  const limits = { burst: 3, refillPerSecond: 1, maxTrackedClients: 2 };

  it('allows a burst, refuses the next request with a Retry-After, and refills over time', () => {
    let now = 0;
    const buckets = createClientBuckets(limits, () => now);
    expect([1, 2, 3].map(() => buckets.take('203.0.113.1').allowed)).toEqual([true, true, true]);
    expect(buckets.take('203.0.113.1')).toMatchObject({ allowed: false, remaining: 0, retryAfterSeconds: 1 });
    expect(buckets.take('198.51.100.7').allowed).toBe(true); // other clients are not affected
    now += 1_000;
    expect(buckets.take('203.0.113.1').allowed).toBe(true);
    expect(buckets.take('203.0.113.1').allowed).toBe(false);
  });

  it('keeps at most maxTrackedClients buckets, forgetting the least recently seen', () => {
    const buckets = createClientBuckets(limits, () => 0);
    for (let i = 0; i < 3; i++) buckets.take('a');
    buckets.take('b');
    buckets.take('a'); // a is now the most recent (and refused)
    buckets.take('c'); // evicts b
    expect(buckets.size).toBe(2);
    expect(buckets.take('a').allowed).toBe(false); // still tracked
    for (let i = 0; i < 10_000; i++) buckets.take(`10.0.${i >> 8}.${i & 255}`);
    expect(buckets.size).toBe(2);
  });

  it('validates its options when built', () => {
    expect(() => createClientBuckets({ ...limits, burst: 0 })).toThrow(/burst/);
    expect(() => createClientBuckets({ ...limits, refillPerSecond: 0 })).toThrow(/refill/);
    expect(() => createClientBuckets({ ...limits, maxTrackedClients: 1.5 })).toThrow(/maxTrackedClients/);
  });
});

describe('limits configuration', () => {
  it('defaults to the documented numbers, pro above free everywhere', () => {
    expect(LimitsConfigSchema.parse({})).toEqual(DEFAULT_LIMITS);
    const { free, pro } = DEFAULT_PLAN_LIMITS;
    for (const rateClass of ['standard', 'tools', 'chat'] as const) {
      expect(pro.requestsPerMinute[rateClass]).toBeGreaterThan(free.requestsPerMinute[rateClass]);
    }
    expect(pro.chatTokensPerMonth).toBeGreaterThan(free.chatTokensPerMonth);
  });

  it('rejects a pro plan below free, and incomplete plans', () => {
    expect(LimitsConfigSchema.safeParse({ plans: { free: plans.pro, pro: plans.free } }).success).toBe(false);
    expect(LimitsConfigSchema.safeParse({ plans: { free: plans.free } }).success).toBe(false);
  });

  it('is read from TOOLGATE_LIMITS locally and Settings.limits when deployed', () => {
    const auth = JSON.stringify({ kind: 'local', issuer: 'x', clientIds: ['c'], jwksUri: 'http://127.0.0.1/jwks' });
    const base = { TOOLGATE_TABLE_NAME: 't', TOOLGATE_BUCKET_NAME: 'b', TOOLGATE_AUTH: auth };
    expect(readConfig(base).limits).toEqual(DEFAULT_LIMITS);
    expect(readConfig({ ...base, TOOLGATE_LIMITS: JSON.stringify({ plans }) }).limits.plans).toEqual(plans);
    expect(() =>
      readConfig({ ...base, TOOLGATE_LIMITS: JSON.stringify({ plans: { free: plans.pro, pro: plans.free } }) }),
    ).toThrow(/limits/);
  });
});
