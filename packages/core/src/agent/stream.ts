import { ProblemSchema } from '../openapi/schemas';
import * as z from '../zod';
import { ToolCallTraceSchema } from './provider';
import { ConversationIdSchema, TokenUsageSchema } from './schema';

/**
 * `POST /chat` with `Accept: text/event-stream`: the wire format of a streamed chat. Each Server-Sent Event has an
 * `event` name and one line of JSON `data`:
 *
 *   start        { conversationId }                first: the conversation this run is saved in (also if cut off)
 *   delta        { text }                          text as the model writes it; all deltas concatenate to `reply`
 *   tool_call    { id, name, input }               a tool call is about to run (as the caller)
 *   tool_result  { id, name, ok, error?, durationMs }
 *   usage        { inputTokens, outputTokens }     what the chat is charged, once, before `done`
 *   done         { conversationId, stoppedBy }     the conversation is saved; the stream ends
 *   error        Problem (RFC 9457)                a failure after the stream opened; the stream ends
 *
 * Refusals (validation, auth, scope, rate limit, quota, unknown conversation) are answered before the stream opens,
 * as problem+json with their status, exactly as without the header.
 */

export const CHAT_STREAM_CONTENT_TYPE = 'text/event-stream';

export const ChatStartSchema = z.object({ conversationId: ConversationIdSchema }).check(z.meta({ id: 'ChatStart' }));
export const ChatDeltaSchema = z.object({ text: z.string() }).check(z.meta({ id: 'ChatDelta' }));
export const ChatToolCallSchema = z
  .object({ id: z.string(), name: z.string(), input: z.unknown() })
  .check(z.meta({ id: 'ChatToolCall' }));
export const ChatToolResultSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    ok: z.boolean(),
    error: ToolCallTraceSchema.def.shape.error,
    durationMs: z.number().check(z.nonnegative()),
  })
  .check(z.meta({ id: 'ChatToolResult' }));
export const ChatDoneSchema = z
  .object({ conversationId: ConversationIdSchema, stoppedBy: z.enum(['answer', 'step-cap', 'deadline']) })
  .check(z.meta({ id: 'ChatDone' }));

/** The event names and their data, in the order a client meets them. */
export const CHAT_STREAM_EVENTS = {
  start: ChatStartSchema,
  delta: ChatDeltaSchema,
  tool_call: ChatToolCallSchema,
  tool_result: ChatToolResultSchema,
  usage: TokenUsageSchema,
  done: ChatDoneSchema,
  error: ProblemSchema,
} as const;
export type ChatStreamEventName = keyof typeof CHAT_STREAM_EVENTS;

/**
 * One event as `{ event, data }` (data parsed from its JSON line): how the OpenAPI document describes the stream's
 * items (OpenAPI 3.2's `itemSchema` convention, written as the media type's schema in 3.1) and how the contract
 * checker validates each event an end-to-end test receives.
 */
const item = <E extends ChatStreamEventName>(event: E) =>
  z.object({ event: z.literal(event), data: CHAT_STREAM_EVENTS[event] });

export const ChatStreamEventSchema = z
  .discriminatedUnion('event', [
    item('start'),
    item('delta'),
    item('tool_call'),
    item('tool_result'),
    item('usage'),
    item('done'),
    item('error'),
  ])
  .check(
    z.meta({
      id: 'ChatStreamEvent',
      description:
        'One Server-Sent Event of a streamed chat: `event:` is the name, `data:` one line of JSON. Deltas concatenate ' +
        'to the reply; `start` is first, `done` or `error` is last.',
    }),
  );
