/** The OpenAI Chat Completions wire format: what we send, and the parts of the answers we read (validated). */
import { ServiceUnavailableError } from '../../errors';
import * as z from '../../zod';
import type { ChatMessage, StopReason, ToolCallRequest } from '../provider';
import { toolCallIds } from './tool-call-id';

/** The part of an OpenAI Chat Completions response we use, validated (servers differ in what else they send). */
export const CompletionSchema = z.object({
  choices: z
    .array(
      z.object({
        message: z.object({
          // A string, or chunks (`[{type: 'thinking', …}, {type: 'text', text}]`: Mistral's reasoning models).
          content: z.nullish(z.union([z.string(), z.array(z.unknown())])),
          tool_calls: z.nullish(
            z.array(
              z.object({
                id: z.nullish(z.string()),
                type: z.optional(z.literal('function')),
                function: z.object({ name: z.string(), arguments: z.string() }),
              }),
            ),
          ),
        }),
        finish_reason: z.nullish(z.string()),
      }),
    )
    .check(z.minLength(1)),
  usage: z.nullish(z.object({ prompt_tokens: z.number(), completion_tokens: z.number() })),
});

/** One chunk of a streamed completion (`stream: true`): OpenAI, vLLM, llama.cpp, Ollama and LM Studio send this. */
export const StreamChunkSchema = z.object({
  choices: z.nullish(
    z.array(
      z.object({
        index: z.nullish(z.number()),
        delta: z.nullish(
          z.object({
            content: z.nullish(z.union([z.string(), z.array(z.unknown())])),
            tool_calls: z.nullish(
              z.array(
                z.object({
                  /** Which call this fragment belongs to; the first fragment of a call carries its id and name. */
                  index: z.nullish(z.number()),
                  id: z.nullish(z.string()),
                  function: z.nullish(z.object({ name: z.nullish(z.string()), arguments: z.nullish(z.string()) })),
                }),
              ),
            ),
          }),
        ),
        finish_reason: z.nullish(z.string()),
      }),
    ),
  ),
  /** With `stream_options: { include_usage: true }`: on the last chunk (whose `choices` is then empty). */
  usage: z.nullish(z.object({ prompt_tokens: z.number(), completion_tokens: z.number() })),
  /** Some servers report a failure after the stream started as a chunk with an error. */
  error: z.optional(z.unknown()),
});

type WireMessage =
  | { role: 'system' | 'user'; content: string }
  | {
      role: 'assistant';
      content: string | null;
      tool_calls?: { id: string; type: 'function'; function: { name: string; arguments: string } }[];
    }
  | { role: 'tool'; tool_call_id: string; content: string };

export function toOpenAiMessages(system: string | undefined, messages: readonly ChatMessage[]): WireMessage[] {
  const wire: WireMessage[] = system ? [{ role: 'system', content: system }] : [];
  for (const message of messages) {
    switch (message.role) {
      case 'user':
        wire.push({ role: 'user', content: message.content });
        break;
      case 'assistant':
        wire.push({
          role: 'assistant',
          content: message.content || null,
          ...(message.toolCalls?.length
            ? {
                tool_calls: message.toolCalls.map((call) => ({
                  id: call.id,
                  type: 'function' as const,
                  function: { name: call.name, arguments: JSON.stringify(call.input ?? {}) },
                })),
              }
            : {}),
        });
        break;
      case 'tool':
        wire.push({ role: 'tool', tool_call_id: message.toolCallId, content: message.content });
        break;
    }
  }
  return wire;
}

export function parseArguments(raw: string): unknown {
  try {
    return JSON.parse(raw || '{}');
  } catch {
    // Left as text: the registry's validation then tells the model its arguments were not an object.
    return raw;
  }
}

/**
 * The answer's text: the text chunks, joined as sent. Thinking chunks are left out: reasoning is not the answer, and
 * keeping it would send it back to the model and store it with every later turn.
 */
export function contentText(content: string | readonly unknown[] | null | undefined): string {
  if (typeof content === 'string') return content;
  return (content ?? [])
    .map((chunk) => {
      const { type, text } = (chunk ?? {}) as { type?: unknown; text?: unknown };
      return type === 'text' && typeof text === 'string' ? text : '';
    })
    .join('');
}

export function stopReasonOf(finish: string | null | undefined): StopReason {
  if (finish === 'stop') return 'end_turn';
  if (finish === 'tool_calls' || finish === 'function_call') return 'tool_use';
  if (finish === 'length') return 'max_tokens';
  return 'other';
}

/** The tool calls of an answer (a completion's, or a stream's assembled from its fragments), with unique ids. */
export function toolCallsOf(
  calls: readonly { id?: string | null; name: string; arguments: string }[],
): ToolCallRequest[] {
  const ids = toolCallIds(calls.map((call) => call.id));
  return calls.map((call, index) => ({
    id: ids[index] as string,
    name: call.name,
    input: parseArguments(call.arguments),
  }));
}

/** A 2xx whose body is not what the wire format says. */
export const unexpected = (cause: unknown) =>
  new ServiceUnavailableError('The model endpoint sent an unexpected response.', 5, { cause });
