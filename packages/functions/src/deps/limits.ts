import { createChatQuota, createPlanRateLimiter } from '@toolgate/core/limits/rate-limiter';
import { createUsageStore } from '@toolgate/core/limits/usage';
import { config, doc } from './base';
import { users } from './users';

export const usage = createUsageStore(doc, config.tableName);
export const rateLimiter = createPlanRateLimiter({ store: usage, users, plans: config.limits.plans });
export const chatQuota = createChatQuota({ store: usage, plans: config.limits.plans });
