import { type Clock, systemClock } from '../clock';
import { RateLimitedError } from '../errors';
import { RATE_CLASSES, type RateClass } from '../manifest/types';
import type { Plan } from '../plans';
import type { UsageStore } from './aws/usage';
import { assertLimitsComplete, type PlanLimits } from './plans';
import { minuteWindow, monthWindow, secondsUntil } from './windows';

/** Where a user's plan comes from: our own records (set by billing), never the token. */
export interface PlanLookup {
  get(sub: string): Promise<{ plan: Plan }>;
}

export interface RateDecision {
  plan: Plan;
  rateClass: RateClass;
  limit: number;
  remaining: number;
  /** Seconds until the window resets. */
  resetSeconds: number;
  windowSeconds: number;
}

/** The IETF RateLimit header fields (draft-ietf-httpapi-ratelimit-headers), as most clients read them. */
export function rateLimitHeaders(decision: Omit<RateDecision, 'plan' | 'rateClass'>): Record<string, string> {
  return {
    'RateLimit-Limit': String(decision.limit),
    'RateLimit-Remaining': String(Math.max(0, decision.remaining)),
    'RateLimit-Reset': String(decision.resetSeconds),
    'RateLimit-Policy': `${decision.limit};w=${decision.windowSeconds}`,
  };
}

export interface PlanRateLimiter {
  /**
   * Counts one request of `rateClass` for `sub` — or `cost` units of it, all or nothing (an MCP batch of n tool
   * calls is n `tools` requests); throws a 429 `RateLimitedError` (with headers) when they do not all fit.
   */
  check(sub: string, rateClass: RateClass, cost?: number): Promise<RateDecision>;
}

export interface PlanRateLimiterOptions {
  store: UsageStore;
  users: PlanLookup;
  plans: Record<Plan, PlanLimits>;
  now?: Clock;
}

export function createPlanRateLimiter(options: PlanRateLimiterOptions): PlanRateLimiter {
  const { store, users, plans, now = systemClock } = options;
  if (!store || !users) throw new Error('plan rate limiter: a usage store and a plan lookup are required');
  assertLimitsComplete(plans);
  const ceilings = highestLimits(plans);

  return {
    async check(sub, rateClass, cost = 1) {
      if (!RATE_CLASSES.includes(rateClass)) throw new Error(`plan rate limiter: unknown rate class ${rateClass}`);
      if (!Number.isInteger(cost) || cost < 1) throw new Error(`plan rate limiter: cost must be a positive integer`);
      const at = now();
      const window = minuteWindow(at);
      const refuse = (decision: RateDecision, units: string): never => {
        throw new RateLimitedError(
          `The ${decision.plan} plan allows ${decision.limit} ${rateClass} requests per minute${units}.`,
          decision.resetSeconds,
          {
            headers: rateLimitHeaders(decision),
            extensions: { plan: decision.plan, rateClass, limit: decision.limit, ...(cost > 1 ? { cost } : {}) },
          },
        );
      };
      if (cost > 1) {
        // Several units at once are rare (MCP batches): read the plan first and count against its own limit, so
        // that no over-counted batch waiting for its give-back can push single requests of the same user over.
        const { plan } = await users.get(sub);
        const limit = plans[plan].requestsPerMinute[rateClass];
        const counted = await store.hit(sub, rateClass, window, limit, cost);
        const decision: RateDecision = {
          plan,
          rateClass,
          limit,
          remaining: counted.allowed ? limit - counted.count : 0,
          resetSeconds: secondsUntil(window, at),
          windowSeconds: 60,
        };
        if (!counted.allowed) refuse(decision, `; this request counts ${cost}`);
        return decision;
      }
      // The plan read and the count go out at once: one DynamoDB round trip per request instead of two. The
      // count is taken against the most generous plan's limit (the counter's ceiling) and given back when the
      // user's own plan refuses it, so that a refused request still counts nothing. That stays exact under
      // concurrency: a count above the plan's limit only happens once the allowed requests alone have reached
      // it, so a request counted and not yet given back can only delay one that would be refused anyway. For the
      // same reason a give-back that fails costs nothing but a count above the limit: it is not worth a 5xx.
      const giveBack = () => store.release(sub, rateClass, window).catch(() => undefined);
      const [lookup, counted] = await Promise.allSettled([
        users.get(sub),
        store.hit(sub, rateClass, window, ceilings[rateClass]),
      ]);
      if (counted.status === 'rejected') throw counted.reason;
      if (lookup.status === 'rejected') {
        if (counted.value.allowed) await giveBack();
        throw lookup.reason;
      }
      const { plan } = lookup.value;
      const limit = plans[plan].requestsPerMinute[rateClass];
      const allowed = counted.value.allowed && counted.value.count <= limit;
      const decision: RateDecision = {
        plan,
        rateClass,
        limit,
        remaining: allowed ? limit - counted.value.count : 0,
        resetSeconds: secondsUntil(window, at),
        windowSeconds: 60,
      };
      if (!allowed) {
        if (counted.value.allowed) await giveBack();
        refuse(decision, '');
      }
      return decision;
    },
  };
}

/** Each class's highest limit over all plans. */
function highestLimits(plans: Record<Plan, PlanLimits>): Record<RateClass, number> {
  const all = Object.values(plans);
  return Object.fromEntries(
    RATE_CLASSES.map((rateClass) => [rateClass, Math.max(...all.map((p) => p.requestsPerMinute[rateClass]))]),
  ) as Record<RateClass, number>;
}

export interface QuotaStatus {
  month: string;
  used: number;
  quota: number;
  remaining: number;
  resetSeconds: number;
}

export interface ChatQuota {
  status(sub: string, plan: Plan): Promise<QuotaStatus>;
  /** Throws a 429 once the month's chat tokens are spent. */
  assertAvailable(sub: string, plan: Plan): Promise<QuotaStatus>;
  /** Adds the tokens a chat spent (after the fact: a chat cannot know its cost in advance). */
  record(sub: string, tokens: number): Promise<number>;
}

/**
 * The monthly chat token quota. It is checked before a chat and charged after it, so concurrent chats of one user
 * can overshoot it by at most what those chats spend; the next chat is then refused until the month ends.
 */
export function createChatQuota(options: Omit<PlanRateLimiterOptions, 'users'>): ChatQuota {
  const { store, plans, now = systemClock } = options;
  if (!store) throw new Error('chat quota: a usage store is required');
  assertLimitsComplete(plans);

  async function status(sub: string, plan: Plan): Promise<QuotaStatus> {
    const at = now();
    const month = monthWindow(at);
    const used = await store.tokensUsed(sub, month);
    const quota = plans[plan].chatTokensPerMonth;
    return {
      month: month.key,
      used,
      quota,
      remaining: Math.max(0, quota - used),
      resetSeconds: secondsUntil(month, at),
    };
  }

  return {
    status,
    async assertAvailable(sub, plan) {
      const current = await status(sub, plan);
      if (current.remaining <= 0) {
        throw new RateLimitedError(
          `The ${plan} plan's ${current.quota} chat tokens for ${current.month} are used up.`,
          current.resetSeconds,
          { extensions: { plan, quota: current.quota, used: current.used } },
        );
      }
      return current;
    },
    record: (sub, tokens) => store.addTokens(sub, monthWindow(now()), tokens),
  };
}
