import type { Plan } from '../plans';
import * as z from '../zod';

/**
 * Per-plan cap on a user's unfinished jobs (QUEUED or RUNNING). `POST /jobs` answers 429 past it. The worker pool
 * is shared and small (its reserved concurrency is the model budget), so one user must not be able to fill the
 * queue with thousands of jobs ahead of everyone else.
 */
const count = z.int().check(z.positive());

export const QueuedJobLimitsSchema = z
  .strictObject({ free: count, pro: count })
  .check(z.refine((limits) => limits.pro >= limits.free, { path: ['pro'], message: 'below free' }));
export type QueuedJobLimits = Record<Plan, number>;

export const DEFAULT_QUEUED_JOB_LIMITS: QueuedJobLimits = { free: 3, pro: 20 };
