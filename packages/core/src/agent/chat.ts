import type { Caller } from '../auth/verifier';
import { type Clock, systemClock } from '../clock';
import { GatewayTimeoutError, NotFoundError } from '../errors';
import type { ChatQuota, PlanLookup } from '../limits/rate-limiter';
import { recordModelUsage } from '../metrics/events';
import { type Metrics, noMetrics } from '../metrics/port';
import type { ToolRegistry } from '../tools/registry';
import type { ConversationsRepository } from './aws/conversations';
import type { AgentConfig } from './config';
import { type AgentEvent, AgentInterruptedError, type AgentResult, runAgent } from './loop';
import type { ChatMessage, ModelProvider, TokenUsage, ToolCallRequest } from './provider';
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
  /** Tokens spent, by provider (`ChatTokensIn`/`Out`). */
  metrics?: Metrics;
}

export interface ChatCall extends ChatRequest {
  caller: Caller;
  /** Epoch ms by which the loop must end (the adapter derives it from the gateway limit and the Lambda's time left). */
  deadlineAt: number;
  signal?: AbortSignal;
  onToolError?: (error: unknown, call: ToolCallRequest) => void;
}

/**
 * Receives a streamed chat's events: the loop's as they happen, then `usage` (what is charged) and `done` once the
 * conversation is saved. Failures are thrown, as without it.
 */
export type ChatEventSink = (event: ChatEvent) => void;

/** A chat whose checks passed (quota, the conversation): only the agent run is left. */
export interface StartedChat {
  run(onEvent?: ChatEventSink): Promise<ChatResponse>;
}

/** Everything a streamed chat tells its client, in order; `functions/src/http/sse.ts` writes them as SSE. */
export type ChatEvent =
  | { type: 'start'; conversationId: string }
  | AgentEvent
  | ({ type: 'usage' } & TokenUsage)
  | { type: 'done'; conversationId: string; stoppedBy: ChatResponse['stoppedBy'] };

export interface ChatService {
  chat(call: ChatCall): Promise<ChatResponse>;
  /**
   * The checks that can refuse a chat (quota, an unknown or unreadable conversation), then the run. A stream opens
   * between the two, so every refusal is an ordinary problem+json answer.
   */
  start(call: ChatCall): Promise<StartedChat>;
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
    metrics = noMetrics,
  } = options;
  if (!Number.isInteger(agent.stepCap) || agent.stepCap < 1)
    throw new Error('chat: stepCap must be a positive integer');

  async function load(caller: Caller, id: string) {
    const found = await conversations.get(caller.sub, id);
    if (!found) throw new NotFoundError(`No conversation ${id}.`);
    return found;
  }

  const service: ChatService = {
    async chat(call) {
      return (await service.start(call)).run();
    },

    async start({ caller, message, conversationId, deadlineAt, signal, onToolError }) {
      const { plan } = await users.get(caller.sub);
      await quota.assertAvailable(caller.sub, plan);
      const existing = conversationId ? await load(caller, conversationId) : null;
      const startedAt = new Date(now()).toISOString();
      const id = existing?.conversationId ?? newId();

      /** Tokens are spent whether or not the conversation can be saved, so both writes run and both are awaited. */
      async function keep(result: Pick<AgentResult, 'messages' | 'usage'>): Promise<void> {
        const conversation: Conversation = {
          conversationId: id,
          createdAt: existing?.createdAt ?? startedAt,
          updatedAt: new Date(now()).toISOString(),
          messages: result.messages,
        };
        const [saved, charged] = await Promise.allSettled([
          conversations.save(caller.sub, conversation, existing?.version ?? null),
          quota.record(caller.sub, result.usage.inputTokens + result.usage.outputTokens),
        ]);
        if (saved.status === 'rejected') throw saved.reason;
        if (charged.status === 'rejected') throw charged.reason;
      }

      const history: ChatMessage[] = [...(existing?.messages ?? []), { role: 'user', content: message }];
      const run = async (onEvent?: ChatEventSink): Promise<ChatResponse> => {
        // First, so a client that goes away before `done` still knows which conversation keeps what was produced.
        onEvent?.({ type: 'start', conversationId: id });
        let result: AgentResult;
        try {
          result = await runAgent({
            provider,
            registry,
            caller,
            messages: history,
            stepCap: agent.stepCap,
            deadlineAt,
            maxOutputTokens: agent.maxOutputTokens,
            ...(signal ? { signal } : {}),
            ...(onToolError ? { onToolError } : {}),
            ...(onEvent ? { onEvent } : {}),
            now,
          });
        } catch (error) {
          // The client went away: what was produced is kept (marked interrupted) and what was spent is charged.
          if (error instanceof AgentInterruptedError) {
            recordModelUsage(metrics, provider.name, error.partial.usage);
            await keep(error.partial);
          }
          throw error;
        }

        recordModelUsage(metrics, provider.name, result.usage);
        // The model never answered before the deadline (a hung or overloaded provider): a 504 the client can retry,
        // not a 200 whose only content is "I ran out of time". Nothing is saved, and no token was spent.
        if (result.stoppedBy === 'deadline' && !result.modelAnswered) {
          throw new GatewayTimeoutError('The model did not answer in time; retry later.', 5);
        }

        await keep(result);
        onEvent?.({ type: 'usage', ...result.usage });
        onEvent?.({ type: 'done', conversationId: id, stoppedBy: result.stoppedBy });
        return {
          conversationId: id,
          reply: result.reply,
          toolCalls: result.toolCalls,
          usage: result.usage,
          stoppedBy: result.stoppedBy,
        };
      };
      return { run };
    },

    async conversation(caller, id) {
      const { version: _version, ...conversation } = await load(caller, id);
      return conversation;
    },
  };
  return service;
}
