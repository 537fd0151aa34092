import * as z from 'zod';
import { ServiceUnavailableError } from '../../errors';
import { openAiFunction } from '../../tools/schemas';
import type {
  AssistantMessage,
  ChatMessage,
  ModelProvider,
  ModelRequest,
  ModelResponse,
  StopReason,
  ToolCallRequest,
} from '../provider';

/** The part of an OpenAI Chat Completions response we use, validated (servers differ in what else they send). */
const CompletionSchema = z.object({
  choices: z
    .array(
      z.object({
        message: z.object({
          content: z.string().nullish(),
          tool_calls: z
            .array(
              z.object({
                id: z.string(),
                type: z.literal('function').optional(),
                function: z.object({ name: z.string(), arguments: z.string() }),
              }),
            )
            .nullish(),
        }),
        finish_reason: z.string().nullish(),
      }),
    )
    .min(1),
  usage: z.object({ prompt_tokens: z.number(), completion_tokens: z.number() }).nullish(),
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

function parseArguments(raw: string): unknown {
  try {
    return JSON.parse(raw || '{}');
  } catch {
    // Left as text: the registry's validation then tells the model its arguments were not an object.
    return raw;
  }
}

function stopReasonOf(finish: string | null | undefined): StopReason {
  if (finish === 'stop') return 'end_turn';
  if (finish === 'tool_calls' || finish === 'function_call') return 'tool_use';
  if (finish === 'length') return 'max_tokens';
  return 'other';
}

function retryAfterOf(response: Response): number {
  const seconds = Number(response.headers.get('retry-after'));
  return Number.isFinite(seconds) && seconds > 0 ? Math.min(seconds, 60) : 2;
}

export interface OpenAiProviderOptions {
  /** e.g. `https://api.openai.com/v1` or `http://127.0.0.1:8080/v1` (llama.cpp, vLLM). */
  baseUrl: string;
  modelId: string;
  /** Sent as a bearer token when set. Never logged, never echoed in errors. */
  apiKey?: string;
  fetch?: typeof fetch;
}

/** Any OpenAI-compatible `/chat/completions` endpoint, over plain fetch (no SDK: one request shape is all we use). */
export function createOpenAiProvider(options: OpenAiProviderOptions): ModelProvider {
  const { modelId, apiKey, fetch: fetchImpl = fetch } = options;
  const url = `${options.baseUrl.replace(/\/+$/, '')}/chat/completions`;
  return {
    name: 'openai',
    modelId,
    async converse(request: ModelRequest): Promise<ModelResponse> {
      const body = {
        model: modelId,
        messages: toOpenAiMessages(request.system, request.messages),
        max_tokens: request.maxOutputTokens,
        ...(request.tools.length > 0 ? { tools: request.tools.map(openAiFunction), tool_choice: 'auto' } : {}),
      };
      let response: Response;
      try {
        response = await fetchImpl(url, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            accept: 'application/json',
            ...(apiKey ? { authorization: `Bearer ${apiKey}` } : {}),
          },
          body: JSON.stringify(body),
          ...(request.signal ? { signal: request.signal } : {}),
        });
      } catch (error) {
        if (request.signal?.aborted) throw request.signal.reason;
        throw new ServiceUnavailableError('The model endpoint could not be reached.', 5, { cause: error });
      }
      if (!response.ok) {
        await response.body?.cancel();
        const busy = response.status === 429 || response.status >= 500;
        throw new ServiceUnavailableError(
          busy ? 'The model is busy; retry shortly.' : 'The model could not process the request.',
          busy ? retryAfterOf(response) : 30,
          { cause: new Error(`model endpoint answered ${response.status}`) },
        );
      }
      const parsed = CompletionSchema.safeParse(await response.json().catch(() => null));
      if (!parsed.success) {
        throw new ServiceUnavailableError('The model endpoint sent an unexpected response.', 5, {
          cause: parsed.error,
        });
      }
      const choice = parsed.data.choices[0] as z.infer<typeof CompletionSchema>['choices'][number];
      const toolCalls: ToolCallRequest[] = (choice.message.tool_calls ?? []).map((call) => ({
        id: call.id,
        name: call.function.name,
        input: parseArguments(call.function.arguments),
      }));
      const message: AssistantMessage = {
        role: 'assistant',
        content: choice.message.content ?? '',
        ...(toolCalls.length > 0 ? { toolCalls } : {}),
      };
      return {
        message,
        stopReason: stopReasonOf(choice.finish_reason),
        usage: {
          inputTokens: parsed.data.usage?.prompt_tokens ?? 0,
          outputTokens: parsed.data.usage?.completion_tokens ?? 0,
        },
      };
    },
  };
}
