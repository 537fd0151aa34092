import { configSection } from '../config-reader';
import { RATE_CLASSES, type RateClass } from '../manifest/types';
import { PLANS, type Plan } from '../plans';
import * as z from '../zod';
import { QueuedJobLimitsSchema } from './queued-jobs';

/**
 * Rate limits are configuration: these defaults hold unless the stage overrides them (`Settings.limits` when
 * deployed, `TOOLGATE_LIMITS` locally). docs/limits.md explains each number; the ADR links to it.
 */
const count = z.int().check(z.positive());

export const PlanLimitsSchema = z.object({
  /** Requests per fixed one-minute window, per user, per route class. */
  requestsPerMinute: z.strictObject({ standard: count, tools: count, chat: count }),
  /** Model tokens (input + output) a user's chats may use per calendar month (UTC). */
  chatTokensPerMonth: count,
});
export type PlanLimits = z.infer<typeof PlanLimitsSchema>;

export const PublicLimitsSchema = z.object({
  /** Requests an IP may send at once; the bucket refills at `refillPerSecond`. Per Lambda instance. */
  burst: count,
  refillPerSecond: z.number().check(z.positive()),
  /** Buckets kept per instance (least recently seen IPs are dropped first), which bounds the memory used. */
  maxTrackedClients: count,
});
export type PublicLimits = z.infer<typeof PublicLimitsSchema>;

export const DEFAULT_PLAN_LIMITS: Record<Plan, PlanLimits> = {
  free: { requestsPerMinute: { standard: 60, tools: 30, chat: 10 }, chatTokensPerMonth: 200_000 },
  pro: { requestsPerMinute: { standard: 600, tools: 300, chat: 60 }, chatTokensPerMonth: 5_000_000 },
};

export const DEFAULT_PUBLIC_LIMITS: PublicLimits = { burst: 300, refillPerSecond: 5, maxTrackedClients: 10_000 };

export const LimitsConfigSchema = z
  .object({
    plans: z._default(z.object({ free: PlanLimitsSchema, pro: PlanLimitsSchema }), DEFAULT_PLAN_LIMITS),
    public: z._default(PublicLimitsSchema, DEFAULT_PUBLIC_LIMITS),
    /** Unfinished jobs (QUEUED or RUNNING) a user may have at once, per plan; `DEFAULT_QUEUED_JOB_LIMITS` if unset. */
    queuedJobs: z.optional(QueuedJobLimitsSchema),
  })
  .check(
    z.superRefine((limits, ctx) => {
      // A paid plan that gets less than the free one is a configuration mistake, not a product decision.
      for (const rateClass of RATE_CLASSES) {
        if (limits.plans.pro.requestsPerMinute[rateClass] < limits.plans.free.requestsPerMinute[rateClass]) {
          ctx.addIssue({
            code: 'custom',
            path: ['plans', 'pro', 'requestsPerMinute', rateClass],
            message: 'below free',
          });
        }
      }
      if (limits.plans.pro.chatTokensPerMonth < limits.plans.free.chatTokensPerMonth) {
        ctx.addIssue({ code: 'custom', path: ['plans', 'pro', 'chatTokensPerMonth'], message: 'below free' });
      }
    }),
  );
export type LimitsConfig = z.infer<typeof LimitsConfigSchema>;

export const DEFAULT_LIMITS: LimitsConfig = { plans: DEFAULT_PLAN_LIMITS, public: DEFAULT_PUBLIC_LIMITS };

/** Throws unless every plan has a limit for every rate class (used by the limiter factories when built). */
export function assertLimitsComplete(plans: Record<Plan, PlanLimits>): void {
  for (const plan of PLANS) {
    const limits = plans[plan];
    if (!limits) throw new Error(`rate limits: no limits for plan ${plan}`);
    for (const rateClass of RATE_CLASSES) {
      const limit = limits.requestsPerMinute[rateClass as RateClass];
      if (!Number.isInteger(limit) || limit < 1)
        throw new Error(`rate limits: ${plan}.${rateClass} must be a positive integer`);
    }
    if (!Number.isInteger(limits.chatTokensPerMonth) || limits.chatTokensPerMonth < 1) {
      throw new Error(`rate limits: ${plan}.chatTokensPerMonth must be a positive integer`);
    }
  }
}

/** The `limits` section: the per-plan limiter, the chat quota and the public tier's per-IP buckets read it. */
export const LIMITS_SECTION = configSection('limits', z.prefault(LimitsConfigSchema, {}));
