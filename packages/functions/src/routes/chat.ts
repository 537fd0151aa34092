import type { ChatCall, ChatService } from '@toolgate/core/agent/chat';
import { MAX_CHAT_DEADLINE_MS } from '@toolgate/core/agent/config';
import { ChatRequestSchema, ConversationIdSchema } from '@toolgate/core/agent/schema';
import type { Clock } from '@toolgate/core/clock';
import { routes } from '@toolgate/core/manifest';
import * as z from '@toolgate/core/zod';
import type { Context, Hono } from 'hono';
import { readJsonBody } from '../http/json-body';
import { acceptsEventStream, eventStream } from '../http/sse';
import type { AppEnv } from '../http/types';
import { parseInput } from '../http/validate';
import { honoPath } from './path';

/** Time kept back from the Lambda's own timeout to save the conversation and answer. */
const SAVE_RESERVE_MS = 2_000;

/**
 * When the loop must stop: `chatDeadlineMs` after the gateway received the request (its 30 s clock started then),
 * and never later than the Lambda's own remaining time allows.
 */
export function chatDeadline(c: Context<AppEnv>, chatDeadlineMs: number, now: number): number {
  const budget = Math.min(chatDeadlineMs, MAX_CHAT_DEADLINE_MS);
  const context = c.env?.event?.requestContext as { timeEpoch?: unknown } | undefined;
  const received =
    typeof context?.timeEpoch === 'number' && Math.abs(now - context.timeEpoch) < 60_000 ? context.timeEpoch : now;
  const remaining = c.env?.lambdaContext?.getRemainingTimeInMillis?.();
  const lambdaLimit =
    typeof remaining === 'number' && remaining > 0 ? now + remaining - SAVE_RESERVE_MS : Number.POSITIVE_INFINITY;
  return Math.min(received + budget, lambdaLimit);
}

export function mountChat(app: Hono<AppEnv>, chat: ChatService, chatDeadlineMs: number, clock: Clock): void {
  app.post(honoPath(routes.chat), async (c) => {
    const body = parseInput(ChatRequestSchema, await readJsonBody(c), 'body');
    const logger = c.get('logger');
    const streamed = acceptsEventStream(c);
    const abort = new AbortController();
    const call: ChatCall = {
      ...body,
      caller: c.get('caller'),
      deadlineAt: chatDeadline(c, chatDeadlineMs, clock()),
      signal: AbortSignal.any([c.req.raw.signal, abort.signal]),
      onToolError: (error, call) =>
        logger?.error('tool failed in chat', {
          tool: call.name,
          error: error instanceof Error ? { name: error.name, message: error.message } : String(error),
        }),
    };
    // Never the message or the reply: they may hold personal data.
    const logDone = (response: Awaited<ReturnType<ChatService['chat']>>) =>
      logger?.info('chat', {
        stoppedBy: response.stoppedBy,
        toolCalls: response.toolCalls.length,
        streamed,
        ...response.usage,
      });

    // Quota, the conversation: refusals come before anything is streamed, as problem+json with their status.
    const started = await chat.start(call);
    if (!streamed) {
      const response = await started.run();
      logDone(response);
      c.header('Cache-Control', 'no-store');
      return c.json(response);
    }
    return eventStream(c, {
      abort,
      produce: async (send) => {
        logDone(await started.run(({ type, ...data }) => send(type, data)));
      },
      onClientGone: (error) =>
        logger?.info('chat interrupted: the client went away', {
          error: error instanceof Error ? error.name : String(error),
        }),
    });
  });

  app.get(honoPath(routes.conversationGet), async (c) => {
    const { id } = parseInput(z.object({ id: ConversationIdSchema }), { id: c.req.param('id') }, 'path');
    c.header('Cache-Control', 'private, no-store');
    return c.json(await chat.conversation(c.get('caller'), id));
  });
}
