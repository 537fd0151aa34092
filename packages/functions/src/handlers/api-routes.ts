import { AGENT_SECTION } from '@toolgate/core/agent/config';
import { createApiApp } from '../apps/api';
import { verifier } from '../deps/auth';
import { readSection } from '../deps/base';
import { chat } from '../deps/chat';
import { jobs } from '../deps/jobs';
import { rateLimiter } from '../deps/limits';
import { tools } from '../deps/tools';
import { uploadService } from '../deps/upload-service';
import { users } from '../deps/users';
import type { TierMetrics } from '../metrics';

/**
 * The whole api tier, every route: loaded by `handlers/api.ts` with one `import()` on the first request that is not
 * one of `API_EAGER_ROUTES`, never at init. The instance-wide dependencies (verifier, users, limiter) are the module
 * singletons the eager app uses too, and `metrics` is the handler's own instance, so an instance keeps one of each.
 */
export function createApiRoutesApp(metrics: TierMetrics) {
  return createApiApp({
    verifier,
    users,
    rateLimiter,
    tools,
    chat,
    chatDeadlineMs: readSection(AGENT_SECTION).chatDeadlineMs,
    uploads: uploadService,
    jobs,
    metrics,
  });
}
