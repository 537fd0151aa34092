import { RateLimitedError } from '../errors';
import { RATE_CLASSES, type RateClass } from '../manifest/types';
import type { Plan } from '../plans';
import { assertLimitsComplete, type PlanLimits } from './plans';
import type { UsageStore } from './usage';
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
  /** Counts one request of `rateClass` for `sub`; throws a 429 `RateLimitedError` (with headers) past the limit. */
  check(sub: string, rateClass: RateClass): Promise<RateDecision>;
}

export interface PlanRateLimiterOptions {
  store: UsageStore;
  users: PlanLookup;
  plans: Record<Plan, PlanLimits>;
  now?: () => number;
}

export function createPlanRateLimiter(options: PlanRateLimiterOptions): PlanRateLimiter {
  const { store, users, plans, now = Date.now } = options;
  if (!store || !users) throw new Error('plan rate limiter: a usage store and a plan lookup are required');
  assertLimitsComplete(plans);

  return {
    async check(sub, rateClass) {
      if (!RATE_CLASSES.includes(rateClass)) throw new Error(`plan rate limiter: unknown rate class ${rateClass}`);
      const { plan } = await users.get(sub);
      const limit = plans[plan].requestsPerMinute[rateClass];
      const at = now();
      const window = minuteWindow(at);
      const { allowed, count } = await store.hit(sub, rateClass, window, limit);
      const decision: RateDecision = {
        plan,
        rateClass,
        limit,
        remaining: limit - count,
        resetSeconds: secondsUntil(window, at),
        windowSeconds: 60,
      };
      if (!allowed) {
        throw new RateLimitedError(
          decision.resetSeconds,
          `The ${plan} plan allows ${limit} ${rateClass} requests per minute.`,
          { headers: rateLimitHeaders(decision), extensions: { plan, rateClass, limit } },
        );
      }
      return decision;
    },
  };
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
  const { store, plans, now = Date.now } = options;
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
          current.resetSeconds,
          `The ${plan} plan's ${current.quota} chat tokens for ${current.month} are used up.`,
          { extensions: { plan, quota: current.quota, used: current.used } },
        );
      }
      return current;
    },
    record: (sub, tokens) => store.addTokens(sub, monthWindow(now()), tokens),
  };
}
