import { createParser, type EventSourceMessage } from 'eventsource-parser';
import { type Clock, systemClock } from '../../clock';
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
import { pause } from './pause';
import { toolCallIds } from './tool-call-id';

/** The part of an OpenAI Chat Completions response we use, validated (servers differ in what else they send). */
const CompletionSchema = z.object({
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
const StreamChunkSchema = z.object({
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

function parseArguments(raw: string): unknown {
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
function contentText(content: string | readonly unknown[] | null | undefined): string {
  if (typeof content === 'string') return content;
  return (content ?? [])
    .map((chunk) => {
      const { type, text } = (chunk ?? {}) as { type?: unknown; text?: unknown };
      return type === 'text' && typeof text === 'string' ? text : '';
    })
    .join('');
}

function stopReasonOf(finish: string | null | undefined): StopReason {
  if (finish === 'stop') return 'end_turn';
  if (finish === 'tool_calls' || finish === 'function_call') return 'tool_use';
  if (finish === 'length') return 'max_tokens';
  return 'other';
}

/**
 * How long the upstream asks us to wait, in ms (`null` when it does not say): OpenAI's `retry-after-ms` first (more
 * precise than its `retry-after`), then `Retry-After` as seconds or as an HTTP-date (proxies and gateways send one).
 */
export function retryDelayMs(headers: Headers, now: number): number | null {
  const ms = headers.get('retry-after-ms')?.trim();
  if (ms && Number.isFinite(Number(ms)) && Number(ms) >= 0) return Number(ms);
  const value = headers.get('retry-after')?.trim();
  if (!value) return null;
  if (/^\d+(\.\d+)?$/.test(value)) return Number(value) * 1000;
  const at = Date.parse(value);
  return Number.isFinite(at) ? Math.max(0, at - now) : null;
}

/** What an error body says, for the log: OpenAI and vLLM nest it in `error`, Ollama sends a string, Mistral a flat object. */
interface UpstreamError {
  message: string;
  code?: string;
  param?: string;
}

function upstreamErrorOf(text: string): UpstreamError {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    // A proxy's HTML page, or plain text: its start is all the log needs.
    return { message: text.replace(/\s+/g, ' ').trim().slice(0, 200) };
  }
  const nested = (body as { error?: unknown } | null)?.error;
  if (typeof nested === 'string') return { message: nested };
  const fields = (nested && typeof nested === 'object' ? nested : (body ?? {})) as Record<string, unknown>;
  const asText = (value: unknown) =>
    typeof value === 'string' || typeof value === 'number' ? String(value) : undefined;
  const code = asText(fields.code);
  const param = asText(fields.param);
  return {
    message: asText(fields.message) ?? '',
    ...(code !== undefined ? { code } : {}),
    ...(param !== undefined ? { param } : {}),
  };
}

/**
 * The parameter a 400 says is not supported, as OpenAI and Azure name it (`param`, `code: unsupported_parameter`) or
 * only in the message. A parameter refused for its value (`max_tokens is too large`) is not one.
 */
function refusedParameterOf(upstream: UpstreamError): string | undefined {
  const unsupported = upstream.code === 'unsupported_parameter' || /unsupported|not supported/i.test(upstream.message);
  if (!unsupported) return undefined;
  return upstream.param ?? /parameter:? '(\w+)'/i.exec(upstream.message)?.[1];
}

/** The name of the output-token cap in a request: OpenAI's o-series and gpt-5 refuse `max_tokens`. */
export type MaxTokensParameter = 'max_tokens' | 'max_completion_tokens';
const OTHER_PARAMETER: Record<MaxTokensParameter, MaxTokensParameter> = {
  max_tokens: 'max_completion_tokens',
  max_completion_tokens: 'max_tokens',
};

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
  /** The request parameter a 400 names as the one it refuses. */
  refusedParameter?: string;
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
  /**
   * How to name the output-token cap. Unset: `max_tokens` (every compatible server reads it, and one that ignored
   * `max_completion_tokens` would cap nothing), switching for good to `max_completion_tokens` the first time the
   * endpoint refuses `max_tokens` with a 400 (one extra round trip per container, then none).
   */
  maxTokensParameter?: MaxTokensParameter;
  /** Turns a `Retry-After` HTTP-date into a wait. */
  clock?: Clock;
}

/** Any OpenAI-compatible `/chat/completions` endpoint, over plain fetch (no SDK: one request shape is all we use). */
export function createOpenAiProvider(options: OpenAiProviderOptions): ModelProvider {
  const {
    modelId,
    apiKey,
    fetch: fetchImpl = fetch,
    maxAttempts = OPENAI_MAX_ATTEMPTS,
    maxTokensParameter,
    clock = systemClock,
  } = options;
  if (!Number.isInteger(maxAttempts) || maxAttempts < 1) throw new Error('openai provider: maxAttempts must be ≥ 1');
  if (maxTokensParameter !== undefined && !(maxTokensParameter in OTHER_PARAMETER))
    throw new Error('openai provider: maxTokensParameter must be max_tokens or max_completion_tokens');
  let tokensParameter: MaxTokensParameter = maxTokensParameter ?? 'max_tokens';
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

  /** An upstream message can quote the key it was sent (OpenAI's 401 does, masked or not): the log never gets it. */
  function redacted(text: string): string {
    const withoutKey = apiKey ? text.split(apiKey).join('[redacted]') : text;
    return withoutKey.replace(/\bsk-[\w*-]{4,}/g, 'sk-[redacted]').slice(0, 500);
  }

  /** The failed answer, for the log: status and the upstream's own error message (why a 400 is a 400). */
  async function failureCause(response: Response): Promise<{ cause: Error; upstream: UpstreamError }> {
    const upstream = upstreamErrorOf(await response.text().catch(() => ''));
    const detail = [upstream.code, upstream.param && `param ${upstream.param}`].filter(Boolean).join(', ');
    const message = `POST ${shownUrl} answered ${response.status}${detail ? ` (${detail})` : ''}${
      upstream.message ? `: ${redacted(upstream.message)}` : ''
    }`;
    return { cause: new Error(message), upstream };
  }

  /** One POST: the response when it is a 2xx, else the failure, retryable for a connection error, 429 or 5xx. */
  async function post(body: string, signal: AbortSignal | undefined, streamed: boolean): Promise<Response | Failure> {
    let response: Response;
    try {
      response = await fetchImpl(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: streamed ? 'text/event-stream' : 'application/json',
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
    const { cause, upstream } = await failureCause(response);
    if (response.status === 429 || response.status >= 500) {
      const delayMs = retryDelayMs(response.headers, clock());
      const retryAfterSeconds = delayMs ? Math.min(delayMs / 1000, 60) : 2;
      return {
        error: new ServiceUnavailableError('The model is busy; retry shortly.', retryAfterSeconds, { cause }),
        retryInMs: delayMs ?? DEFAULT_RETRY_DELAY_MS,
      };
    }
    // Any other 4xx is our request's fault or the endpoint's configuration: the same request would fail again.
    const refused = response.status === 400 ? refusedParameterOf(upstream) : undefined;
    return {
      error: new ServiceUnavailableError('The model could not process the request.', 30, { cause }),
      retryInMs: null,
      ...(refused ? { refusedParameter: refused } : {}),
    };
  }

  /** `post` until a 2xx, at most `maxAttempts` times, retrying only when it can help and the wait is short. */
  async function send(body: string, signal: AbortSignal | undefined, streamed: boolean): Promise<Response | Failure> {
    for (let attempt = 1; ; attempt++) {
      const outcome = await post(body, signal, streamed);
      if (outcome instanceof Response) return outcome;
      const { retryInMs } = outcome;
      // A long Retry-After goes back to the caller (503 with it) rather than eating the chat's deadline here.
      if (retryInMs === null || attempt >= maxAttempts || retryInMs > OPENAI_MAX_RETRY_DELAY_MS) return outcome;
      await pause(retryInMs, signal);
    }
  }

  /**
   * `send`, naming the token cap as the endpoint wants. A refusal of that name is a different request, not a
   * transient failure: it is retried at once with the other name, outside the attempts `send` counts.
   */
  async function sendRequest(request: ModelRequest): Promise<Response> {
    const bodyNaming = (parameter: MaxTokensParameter) =>
      JSON.stringify({
        model: modelId,
        messages: toOpenAiMessages(request.system, request.messages),
        [parameter]: request.maxOutputTokens,
        ...(request.tools.length > 0 ? { tools: request.tools.map(openAiFunction), tool_choice: 'auto' } : {}),
        // The usage of a streamed completion comes only when asked for, on its last chunk.
        ...(request.onText ? { stream: true, stream_options: { include_usage: true } } : {}),
      });
    const tried = tokensParameter;
    const streamed = request.onText !== undefined;
    let outcome = await send(bodyNaming(tried), request.signal, streamed);
    if (!(outcome instanceof Response) && maxTokensParameter === undefined && outcome.refusedParameter === tried) {
      const other = OTHER_PARAMETER[tried];
      outcome = await send(bodyNaming(other), request.signal, streamed);
      if (outcome instanceof Response) tokensParameter = other;
    }
    if (outcome instanceof Response) return outcome;
    throw outcome.error;
  }

  const unexpected = (cause: unknown) =>
    new ServiceUnavailableError('The model endpoint sent an unexpected response.', 5, { cause });

  /**
   * A streamed completion, read as it comes: its SSE parsed by eventsource-parser, text passed to `onText` as it
   * arrives, tool calls assembled from their fragments by index, usage from the last chunk.
   */
  async function readStream(response: Response, request: ModelRequest): Promise<ModelResponse> {
    const onText = request.onText ?? (() => undefined);
    let text = '';
    const calls = new Map<number, { id?: string; name: string; arguments: string }>();
    let finish: string | null | undefined;
    let usage: { prompt_tokens: number; completion_tokens: number } | null | undefined;
    let ended = false;
    let failure: Error | undefined;
    const parser = createParser({
      onEvent: ({ data }: EventSourceMessage) => {
        if (ended || failure) return;
        if (data.trim() === '[DONE]') {
          ended = true;
          return;
        }
        let json: unknown;
        try {
          json = JSON.parse(data);
        } catch (error) {
          failure = unexpected(error);
          return;
        }
        const chunk = StreamChunkSchema.safeParse(json);
        if (!chunk.success) {
          failure = unexpected(chunk.error);
          return;
        }
        if (chunk.data.error !== undefined) {
          const upstream = upstreamErrorOf(JSON.stringify({ error: chunk.data.error }));
          failure = new ServiceUnavailableError('The model failed while answering; retry shortly.', 2, {
            cause: new Error(`POST ${shownUrl} streamed an error: ${redacted(upstream.message)}`),
          });
          return;
        }
        if (chunk.data.usage) usage = chunk.data.usage;
        for (const choice of chunk.data.choices ?? []) {
          if ((choice.index ?? 0) !== 0) continue;
          const piece = contentText(choice.delta?.content);
          if (piece) {
            text += piece;
            onText(piece);
          }
          for (const [position, fragment] of (choice.delta?.tool_calls ?? []).entries()) {
            const index = fragment.index ?? position;
            const call = calls.get(index) ?? { name: '', arguments: '' };
            if (fragment.id) call.id = fragment.id;
            if (fragment.function?.name) call.name += fragment.function.name;
            if (fragment.function?.arguments) call.arguments += fragment.function.arguments;
            calls.set(index, call);
          }
          if (choice.finish_reason) finish = choice.finish_reason;
        }
      },
    });
    try {
      const reader = response.body?.pipeThrough(new TextDecoderStream()).getReader();
      for (;;) {
        const next = await reader?.read();
        if (!next || next.done) break;
        parser.feed(next.value);
        if (failure) {
          await reader?.cancel().catch(() => undefined);
          break;
        }
      }
    } catch (error) {
      if (request.signal?.aborted) throw request.signal.reason;
      throw new ServiceUnavailableError('The model stream broke off; retry shortly.', 2, {
        cause: new Error(`POST ${shownUrl} stream failed: ${networkReason(error)}`, { cause: error }),
      });
    }
    if (failure) throw failure;
    if (!ended && finish === undefined) {
      throw new ServiceUnavailableError('The model stream broke off; retry shortly.', 2, {
        cause: new Error(`POST ${shownUrl}: the stream ended with neither a finish reason nor [DONE]`),
      });
    }
    const ordered = [...calls.entries()].sort(([a], [b]) => a - b).map(([, call]) => call);
    const named = ordered.filter((call) => call.name);
    const ids = toolCallIds(named.map((call) => call.id));
    const toolCalls: ToolCallRequest[] = named.map((call, index) => ({
      id: ids[index] as string,
      name: call.name,
      input: parseArguments(call.arguments),
    }));
    return {
      message: { role: 'assistant', content: text, ...(toolCalls.length > 0 ? { toolCalls } : {}) },
      stopReason: stopReasonOf(finish),
      usage: { inputTokens: usage?.prompt_tokens ?? 0, outputTokens: usage?.completion_tokens ?? 0 },
    };
  }

  return {
    name: 'openai',
    modelId,
    async converse(request: ModelRequest): Promise<ModelResponse> {
      const response = await sendRequest(request);
      // A server that ignores `stream: true` answers JSON: read as such (the loop then says its text at once).
      if (request.onText && response.headers.get('content-type')?.includes('text/event-stream')) {
        return readStream(response, request);
      }
      const parsed = CompletionSchema.safeParse(await response.json().catch(() => null));
      if (!parsed.success) throw unexpected(parsed.error);
      const choice = parsed.data.choices[0] as z.infer<typeof CompletionSchema>['choices'][number];
      const calls = choice.message.tool_calls ?? [];
      const ids = toolCallIds(calls.map((call) => call.id));
      const toolCalls: ToolCallRequest[] = calls.map((call, index) => ({
        id: ids[index] as string,
        name: call.function.name,
        input: parseArguments(call.function.arguments),
      }));
      const message: AssistantMessage = {
        role: 'assistant',
        content: contentText(choice.message.content),
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
