/** An OpenAI-compatible model provider: requests, retries and errors here; the wire format in openai-wire.ts, streams in openai-stream.ts. */
import { type Clock, systemClock } from '../../clock';
import { ServiceUnavailableError } from '../../errors';
import { openAiFunction } from '../../tools/schemas';
import type * as z from '../../zod';
import type { AssistantMessage, ModelProvider, ModelRequest, ModelResponse } from '../provider';
import { networkReason, refusedParameterOf, retryDelayMs, type UpstreamError, upstreamErrorOf } from './openai-errors';
import { readStream } from './openai-stream';
import { CompletionSchema, contentText, stopReasonOf, toOpenAiMessages, toolCallsOf, unexpected } from './openai-wire';
import { pause } from './pause';

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

  return {
    name: 'openai',
    modelId,
    async converse(request: ModelRequest): Promise<ModelResponse> {
      const response = await sendRequest(request);
      // A server that ignores `stream: true` answers JSON: read as such (the loop then says its text at once).
      if (request.onText && response.headers.get('content-type')?.includes('text/event-stream')) {
        return readStream(response, request, { shownUrl, redacted });
      }
      const parsed = CompletionSchema.safeParse(await response.json().catch(() => null));
      if (!parsed.success) throw unexpected(parsed.error);
      const choice = parsed.data.choices[0] as z.infer<typeof CompletionSchema>['choices'][number];
      const calls = choice.message.tool_calls ?? [];
      const toolCalls = toolCallsOf(calls.map((call) => ({ id: call.id, ...call.function })));
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
