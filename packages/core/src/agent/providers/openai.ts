import { ServiceUnavailableError } from '../../errors';
import { openAiFunction } from '../../tools/schemas';
import * as z from '../../zod';
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
          content: z.nullish(z.string()),
          tool_calls: z.nullish(
            z.array(
              z.object({
                id: z.string(),
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

/** The upstream's Retry-After in seconds (`null` when absent or not a number of seconds). */
function retryAfterHeader(response: Response): number | null {
  const seconds = Number(response.headers.get('retry-after') ?? Number.NaN);
  return Number.isFinite(seconds) && seconds >= 0 ? seconds : null;
}

/** Attempts per model call, as the Bedrock client is configured (`maxAttempts: 2`): one retry of a transient failure. */
export const OPENAI_MAX_ATTEMPTS = 2;
/** A retry waits at most this long; an upstream asking for longer gets its Retry-After passed on in the 503. */
export const OPENAI_MAX_RETRY_DELAY_MS = 2_000;
/** The wait before retrying a failed connection, or a 429/5xx that named no Retry-After. */
const DEFAULT_RETRY_DELAY_MS = 250;

/** One attempt's failure: the error to throw, and whether (and after how long) another attempt may help. */
interface Failure {
  error: ServiceUnavailableError;
  retryInMs: number | null;
}

function pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

export interface OpenAiProviderOptions {
  /** e.g. `https://api.openai.com/v1` or `http://127.0.0.1:8080/v1` (llama.cpp, vLLM). */
  baseUrl: string;
  modelId: string;
  /** Sent as a bearer token when set. Never logged, never echoed in errors. */
  apiKey?: string;
  fetch?: typeof fetch;
  /** Attempts per model call (default `OPENAI_MAX_ATTEMPTS`); the chat loop's deadline bounds them all. */
  maxAttempts?: number;
}

/** Any OpenAI-compatible `/chat/completions` endpoint, over plain fetch (no SDK: one request shape is all we use). */
export function createOpenAiProvider(options: OpenAiProviderOptions): ModelProvider {
  const { modelId, apiKey, fetch: fetchImpl = fetch, maxAttempts = OPENAI_MAX_ATTEMPTS } = options;
  if (!Number.isInteger(maxAttempts) || maxAttempts < 1) throw new Error('openai provider: maxAttempts must be ≥ 1');
  const url = `${options.baseUrl.replace(/\/+$/, '')}/chat/completions`;
  /** The endpoint as logs may show it: no user info, no query (either could carry a credential). */
  const shownUrl = (() => {
    const parsed = new URL(url);
    return `${parsed.origin}${parsed.pathname}`;
  })();

  /** fetch's own error says only "fetch failed"; the reason (`ECONNREFUSED`, a DNS failure…) is in its cause. */
  function networkReason(error: unknown): string {
    const cause = (error as { cause?: { code?: unknown; message?: unknown } } | undefined)?.cause;
    if (typeof cause?.code === 'string') return cause.code;
    if (typeof cause?.message === 'string') return cause.message;
    return error instanceof Error ? error.message : '';
  }

  /** One POST: the response when it is a 2xx, else the failure, retryable for a connection error, 429 or 5xx. */
  async function post(body: string, signal: AbortSignal | undefined): Promise<Response | Failure> {
    let response: Response;
    try {
      response = await fetchImpl(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/json',
          ...(apiKey ? { authorization: `Bearer ${apiKey}` } : {}),
        },
        body,
        ...(signal ? { signal } : {}),
      });
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      // The client learns only that the model is unreachable; the log (the cause) says where and why.
      const reason = networkReason(error);
      return {
        error: new ServiceUnavailableError('The model endpoint could not be reached.', 5, {
          cause: new Error(`POST ${shownUrl} failed${reason ? `: ${reason}` : ''}`, { cause: error }),
        }),
        retryInMs: DEFAULT_RETRY_DELAY_MS,
      };
    }
    if (response.ok) return response;
    await response.body?.cancel();
    const cause = new Error(`model endpoint answered ${response.status}`);
    if (response.status === 429 || response.status >= 500) {
      const retryAfter = retryAfterHeader(response);
      return {
        error: new ServiceUnavailableError('The model is busy; retry shortly.', Math.min(retryAfter || 2, 60), {
          cause,
        }),
        retryInMs: retryAfter === null ? DEFAULT_RETRY_DELAY_MS : retryAfter * 1000,
      };
    }
    // Any other 4xx is our request's fault or the endpoint's configuration: the same request would fail again.
    return {
      error: new ServiceUnavailableError('The model could not process the request.', 30, { cause }),
      retryInMs: null,
    };
  }

  /** `post` until a 2xx, at most `maxAttempts` times, retrying only when it can help and the wait is short. */
  async function send(body: string, signal: AbortSignal | undefined): Promise<Response> {
    for (let attempt = 1; ; attempt++) {
      const outcome = await post(body, signal);
      if (outcome instanceof Response) return outcome;
      const { error, retryInMs } = outcome;
      // A long Retry-After goes back to the caller (503 with it) rather than eating the chat's deadline here.
      if (retryInMs === null || attempt >= maxAttempts || retryInMs > OPENAI_MAX_RETRY_DELAY_MS) throw error;
      await pause(retryInMs, signal);
    }
  }

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
      const response = await send(JSON.stringify(body), request.signal);
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
