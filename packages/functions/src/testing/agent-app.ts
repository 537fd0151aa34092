import type { ConversationsRepository, StoredConversation } from '@toolgate/core/agent/aws/conversations';
import { createChatService } from '@toolgate/core/agent/chat';
import type { ModelProvider } from '@toolgate/core/agent/provider';
import { createDevProvider } from '@toolgate/core/agent/providers/dev';
import type { AccessTokenVerifier, Caller } from '@toolgate/core/auth/verifier';
import { catalogTools } from '@toolgate/core/catalog/tools';
import { ConflictError, ForbiddenError, UnauthorizedError } from '@toolgate/core/errors';
import { DEFAULT_PLAN_LIMITS } from '@toolgate/core/limits/plans';
import { createChatQuota, createPlanRateLimiter, type PlanRateLimiter } from '@toolgate/core/limits/rate-limiter';
import { memoryCatalog, memoryUsage } from '@toolgate/core/testing/agent-fakes';
import { unusedJobsService } from '@toolgate/core/testing/jobs-fakes';
import { unusedUploadService } from '@toolgate/core/testing/upload-fakes';
import { accountTools } from '@toolgate/core/tools/account';
import { ToolRegistry } from '@toolgate/core/tools/registry';
import type { UsersRepository } from '@toolgate/core/users/aws/repository';
import { createApiApp } from '../apps/api';
import type { TierMetrics } from '../metrics';

/**
 * The api tier's app with in-memory collaborators, for route tests with `app.request()`: a verifier that maps
 * fixed test tokens to callers (the real verifier is tested in guard.test.ts), the dev model, memory stores.
 */
export function fakeVerifier(callers: Record<string, Caller>): AccessTokenVerifier {
  return {
    hydrate: async () => undefined,
    async verify(token, required) {
      const caller = callers[token];
      if (!caller) throw new UnauthorizedError('The access token is not valid.');
      if (required && !required.some((scope) => caller.scopes.includes(scope))) throw new ForbiddenError();
      return caller;
    },
  };
}

export function memoryConversations(): ConversationsRepository {
  const items = new Map<string, StoredConversation>();
  return {
    async get(sub, id) {
      return items.get(`${sub}|${id}`) ?? null;
    },
    async save(sub, conversation, expectedVersion) {
      const key = `${sub}|${conversation.conversationId}`;
      if ((items.get(key)?.version ?? null) !== expectedVersion) throw new ConflictError('changed');
      const stored = { ...conversation, version: (expectedVersion ?? 0) + 1 };
      items.set(key, stored);
      return stored;
    },
  };
}

export interface AgentAppOptions {
  callers: Record<string, Caller>;
  plans?: Record<string, 'free' | 'pro'>;
  limiter?: PlanRateLimiter | null;
  provider?: ModelProvider;
  conversations?: ConversationsRepository;
  stepCap?: number;
  chatDeadlineMs?: number;
  metrics?: TierMetrics;
}

export function createAgentTestApp(options: AgentAppOptions) {
  const usage = memoryUsage();
  /** Plan lookups per user: what each request costs in reads of the users table. */
  const userReads = new Map<string, number>();
  const users: UsersRepository = {
    get: async (sub) => {
      userReads.set(sub, (userReads.get(sub) ?? 0) + 1);
      return { sub, plan: options.plans?.[sub] ?? 'free' };
    },
    setPlan: () => Promise.reject(new Error('unused')),
  };
  const quota = createChatQuota({ store: usage, plans: DEFAULT_PLAN_LIMITS });
  const tools = new ToolRegistry([
    ...catalogTools(memoryCatalog()),
    ...accountTools(users, quota, DEFAULT_PLAN_LIMITS),
  ]);
  const chat = createChatService({
    provider: options.provider ?? createDevProvider(),
    registry: tools,
    conversations: options.conversations ?? memoryConversations(),
    users,
    quota,
    agent: { stepCap: options.stepCap ?? 6, maxOutputTokens: 1024 },
  });
  const rateLimiter =
    options.limiter === undefined
      ? createPlanRateLimiter({ store: usage, users, plans: DEFAULT_PLAN_LIMITS })
      : options.limiter;
  const app = createApiApp({
    verifier: fakeVerifier(options.callers),
    users,
    rateLimiter,
    tools,
    chat,
    chatDeadlineMs: options.chatDeadlineMs ?? 25_000,
    uploads: unusedUploadService(),
    jobs: unusedJobsService(),
    ...(options.metrics ? { metrics: options.metrics } : {}),
  });
  return { app, tools, usage, userReads };
}
