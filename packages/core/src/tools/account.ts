import type { PlanLimits } from '../limits/plans';
import type { ChatQuota } from '../limits/rate-limiter';
import { type Plan, PlanSchema } from '../plans';
import { scope } from '../scopes';
import type { UsersRepository } from '../users/aws/repository';
import * as z from '../zod';
import { defineTool } from './registry';

const count = z.int().check(z.nonnegative());

export const AccountSchema = z.object({
  sub: z.string(),
  plan: PlanSchema,
  limits: z.object({
    requestsPerMinute: z.object({ standard: count, tools: count, chat: count }),
    chatTokensPerMonth: count,
  }),
  usage: z.object({
    month: z.string().check(z.describe('Calendar month (UTC) the usage counts, e.g. 2026-11')),
    chatTokens: count,
    chatTokensRemaining: count,
    resetsInSeconds: count,
  }),
});

export function accountTools(users: UsersRepository, quota: ChatQuota, plans: Record<Plan, PlanLimits>) {
  return [
    defineTool({
      name: 'account_get',
      description:
        "Get the caller's own account: subscription plan (free or pro), rate limits, and chat tokens used and left " +
        'this month. Takes no input.',
      input: z.strictObject({}),
      output: AccountSchema,
      scope: scope('profile'),
      handler: async (_input, { caller }) => {
        const { plan } = await users.get(caller.sub);
        const status = await quota.status(caller.sub, plan);
        return {
          sub: caller.sub,
          plan,
          limits: plans[plan],
          usage: {
            month: status.month,
            chatTokens: status.used,
            chatTokensRemaining: status.remaining,
            resetsInSeconds: status.resetSeconds,
          },
        };
      },
    }),
  ];
}
