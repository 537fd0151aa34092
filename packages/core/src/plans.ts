import * as z from './zod';

/** Subscription plans. A user's plan lives in their DynamoDB record and is set by billing, never by a token. */
export const PLANS = ['free', 'pro'] as const;
export const PlanSchema = z.enum(PLANS);
export type Plan = z.infer<typeof PlanSchema>;
export const DEFAULT_PLAN: Plan = 'free';
