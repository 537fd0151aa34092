import type { ChatService } from '@toolgate/core/agent/chat';
import type { AccessTokenVerifier } from '@toolgate/core/auth/verifier';
import { type Clock, systemClock } from '@toolgate/core/clock';
import type { JobsService } from '@toolgate/core/jobs/service';
import type { PlanRateLimiter } from '@toolgate/core/limits/rate-limiter';
import { routeKey, routes, routesOfTier } from '@toolgate/core/manifest';
import type { ToolRegistry } from '@toolgate/core/tools/registry';
import type { UploadService } from '@toolgate/core/uploads/service';
import type { UsersRepository } from '@toolgate/core/users/aws/repository';
import { createTierApp } from '../http/app';
import { planRateLimit } from '../http/rate-limit';
import { createTierLogger } from '../logging';
import { mcpRequestCost } from '../mcp/batch';
import type { TierMetrics } from '../metrics';
import { mountChat } from '../routes/chat';
import { mountJobs } from '../routes/jobs';
import { mountMcp } from '../routes/mcp';
import { mountMe } from '../routes/me';
import { mountTools } from '../routes/tools';
import { mountUploads } from '../routes/uploads';

export interface ApiDeps {
  verifier: AccessTokenVerifier;
  users: UsersRepository;
  /** Per-plan limits for every route of the tier; `null` disables them explicitly (tests of other concerns). */
  rateLimiter: PlanRateLimiter | null;
  tools: ToolRegistry;
  chat: ChatService;
  chatDeadlineMs: number;
  /** The time `POST /chat`'s deadline is computed from; the system clock unless a test injects one. */
  clock?: Clock;
  uploads: UploadService;
  jobs: JobsService;
  /** ColdStart and the per-plan 429s (the services record their own events); none when absent. */
  metrics?: TierMetrics;
}

/** The api tier: every route needs a verified access token with the route's scope. */
export function createApiApp(deps: ApiDeps) {
  const app = createTierApp('api', {
    logger: createTierLogger('api'),
    metrics: deps.metrics,
    verifier: deps.verifier,
    stripeSignature: null,
  });
  // Right after the guard (which createTierApp mounted) and before any route: no jwt route escapes its limit.
  app.use(
    '*',
    planRateLimit({
      routes: routesOfTier('api'),
      limiter: deps.rateLimiter,
      costs: { [routeKey(routes.mcp)]: mcpRequestCost },
      metrics: deps.metrics,
    }),
  );
  mountMe(app, deps.users);
  mountTools(app, deps.tools);
  mountMcp(app, deps.tools);
  mountChat(app, deps.chat, deps.chatDeadlineMs, deps.clock ?? systemClock);
  mountUploads(app, deps.uploads);
  mountJobs(app, deps.jobs);
  return app;
}
