import { createUsageStore } from '@toolgate/core/limits/aws/usage';
import { LIMITS_SECTION } from '@toolgate/core/limits/plans';
import { createChatQuota, createPlanRateLimiter } from '@toolgate/core/limits/rate-limiter';
import { config, doc, readSection } from './base';
import { users } from './users';

const { plans } = readSection(LIMITS_SECTION);

export const usage = createUsageStore(doc, config.tableName);
export const rateLimiter = createPlanRateLimiter({ store: usage, users, plans });
export const chatQuota = createChatQuota({ store: usage, plans });
