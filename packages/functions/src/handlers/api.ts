import { AGENT_SECTION } from '@toolgate/core/agent/config';
import { streamRoutes } from '@toolgate/core/manifest';
import { createApiApp } from '../apps/api';
import { verifier } from '../deps/auth';
import { config, readSection } from '../deps/base';
import { chat } from '../deps/chat';
import { requireCursorSigningKey } from '../deps/cursors';
import { jobs } from '../deps/jobs';
import { rateLimiter } from '../deps/limits';
import { tools } from '../deps/tools';
import { uploadService } from '../deps/upload-service';
import { users } from '../deps/users';
import { lambdaHandler } from '../http/lambda';
import { lambdaStreamHandler } from '../http/lambda-stream';
import { createTierMetrics } from '../metrics';

/** This handler's own instance: its ColdStart counts once per tier, even where tiers share a process (locally). */
const metrics = createTierMetrics(config.stage);

requireCursorSigningKey();

const app = createApiApp({
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

/** The api tier behind the HTTP API (buffered answers). */
export const handler = lambdaHandler(app);

/**
 * The same app as a response-streaming handler, for the chat stream's Function URL (docs/adr/0003-streaming.md): one
 * code, one guard, its own function and reserved concurrency.
 */
export const streamHandler = lambdaStreamHandler(app, streamRoutes());
