import type { ChatService } from '@toolgate/core/agent/chat';
import { type Clock, systemClock } from '@toolgate/core/clock';
import type { JobsService } from '@toolgate/core/jobs/service';
import type { ToolRegistry } from '@toolgate/core/tools/registry';
import type { UploadService } from '@toolgate/core/uploads/service';
import { mountChat } from '../routes/chat';
import { mountJobs } from '../routes/jobs';
import { mountMcp } from '../routes/mcp';
import { mountTools } from '../routes/tools';
import { mountUploads } from '../routes/uploads';
import { type ApiEagerDeps, createApiEagerApp } from './api-eager';

export interface ApiDeps extends ApiEagerDeps {
  tools: ToolRegistry;
  chat: ChatService;
  chatDeadlineMs: number;
  /** The time `POST /chat`'s deadline is computed from; the system clock unless a test injects one. */
  clock?: Clock;
  uploads: UploadService;
  jobs: JobsService;
}

/** The api tier: every route needs a verified access token with the route's scope. */
export function createApiApp(deps: ApiDeps) {
  // The eager app (guard, limits, `API_EAGER_ROUTES`), then every other route: the whole tier serves the eager
  // routes exactly as the eager app does.
  const app = createApiEagerApp(deps);
  mountTools(app, deps.tools);
  mountMcp(app, deps.tools);
  mountChat(app, deps.chat, deps.chatDeadlineMs, deps.clock ?? systemClock);
  mountUploads(app, deps.uploads);
  mountJobs(app, deps.jobs);
  return app;
}
