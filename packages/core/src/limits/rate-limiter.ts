import { type Clock, systemClock } from '../clock';
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
  now?: Clock;
}

export function createPlanRateLimiter(options: PlanRateLimiterOptions): PlanRateLimiter {
  const { store, users, plans, now = systemClock } = options;
  if (!store || !users) throw new Error('plan rate limiter: a usage store and a plan lookup are required');
  assertLimitsComplete(plans);
  const ceilings = highestLimits(plans);

  return {
    async check(sub, rateClass) {
      if (!RATE_CLASSES.includes(rateClass)) throw new Error(`plan rate limiter: unknown rate class ${rateClass}`);
      const at = now();
      const window = minuteWindow(at);
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
