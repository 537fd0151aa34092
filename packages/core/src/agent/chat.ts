import type { Caller } from '../auth/verifier';
import { type Clock, systemClock } from '../clock';
import { GatewayTimeoutError, NotFoundError } from '../errors';
import type { ChatQuota, PlanLookup } from '../limits/rate-limiter';
import type { ToolRegistry } from '../tools/registry';
import type { ConversationsRepository } from './aws/conversations';
import type { AgentConfig } from './config';
import { runAgent } from './loop';
import type { ChatMessage, ModelProvider, ToolCallRequest } from './provider';
import type { ChatRequest, ChatResponse, Conversation } from './schema';

export interface ChatServiceOptions {
  provider: ModelProvider;
  registry: ToolRegistry;
  conversations: ConversationsRepository;
  users: PlanLookup;
  quota: ChatQuota;
  agent: Pick<AgentConfig, 'stepCap' | 'maxOutputTokens'>;
  now?: Clock;
  newId?: () => string;
}

export interface ChatCall extends ChatRequest {
  caller: Caller;
  /** Epoch ms by which the loop must end (the adapter derives it from the gateway limit and the Lambda's time left). */
  deadlineAt: number;
  signal?: AbortSignal;
  onToolError?: (error: unknown, call: ToolCallRequest) => void;
}

export interface ChatService {
  chat(call: ChatCall): Promise<ChatResponse>;
  conversation(caller: Caller, id: string): Promise<Conversation>;
}

/** `POST /chat` as a use case: quota, the caller's conversation, the agent loop, persistence, token accounting. */
export function createChatService(options: ChatServiceOptions): ChatService {
  const {
    provider,
    registry,
    conversations,
    users,
    quota,
    agent,
    now = systemClock,
    newId = () => crypto.randomUUID(),
  } = options;
  if (!Number.isInteger(agent.stepCap) || agent.stepCap < 1)
    throw new Error('chat: stepCap must be a positive integer');

  async function load(caller: Caller, id: string) {
    const found = await conversations.get(caller.sub, id);
    if (!found) throw new NotFoundError(`No conversation ${id}.`);
    return found;
  }

  return {
    async chat({ caller, message, conversationId, deadlineAt, signal, onToolError }) {
      const { plan } = await users.get(caller.sub);
      await quota.assertAvailable(caller.sub, plan);
      const existing = conversationId ? await load(caller, conversationId) : null;
      const startedAt = new Date(now()).toISOString();

      const history: ChatMessage[] = [...(existing?.messages ?? []), { role: 'user', content: message }];
      const result = await runAgent({
        provider,
        registry,
        caller,
        messages: history,
        stepCap: agent.stepCap,
        deadlineAt,
        maxOutputTokens: agent.maxOutputTokens,
        ...(signal ? { signal } : {}),
        ...(onToolError ? { onToolError } : {}),
        now,
      });

      // The model never answered before the deadline (a hung or overloaded provider): a 504 the client can retry,
      // not a 200 whose only content is "I ran out of time". Nothing is saved, and no token was spent.
      if (result.stoppedBy === 'deadline' && result.messages.length === history.length + 1) {
        throw new GatewayTimeoutError('The model did not answer in time; retry later.', 5);
      }

      const id = existing?.conversationId ?? newId();
      const conversation: Conversation = {
        conversationId: id,
        createdAt: existing?.createdAt ?? startedAt,
        updatedAt: new Date(now()).toISOString(),
        messages: result.messages,
      };
      // Tokens are spent whether or not the conversation can be saved, so both writes run and both are awaited.
      const [saved, charged] = await Promise.allSettled([
        conversations.save(caller.sub, conversation, existing?.version ?? null),
        quota.record(caller.sub, result.usage.inputTokens + result.usage.outputTokens),
      ]);
      if (saved.status === 'rejected') throw saved.reason;
      if (charged.status === 'rejected') throw charged.reason;

      return {
        conversationId: id,
        reply: result.reply,
        toolCalls: result.toolCalls,
        usage: result.usage,
        stoppedBy: result.stoppedBy,
      };
    },

    async conversation(caller, id) {
      const { version: _version, ...conversation } = await load(caller, id);
      return conversation;
    },
  };
}
