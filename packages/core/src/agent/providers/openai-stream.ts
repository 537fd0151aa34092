import { createParser, type EventSourceMessage } from 'eventsource-parser';
import { ServiceUnavailableError } from '../../errors';
import type { ModelRequest, ModelResponse } from '../provider';
import { networkReason, upstreamErrorOf } from './openai-errors';
import { contentText, StreamChunkSchema, stopReasonOf, toolCallsOf, unexpected } from './openai-wire';

/** The endpoint as the stream's errors name it: its shown URL, and the redaction of what the upstream says. */
export interface StreamEndpoint {
  shownUrl: string;
  redacted: (text: string) => string;
}

/**
 * A streamed completion, read as it comes: its SSE parsed by eventsource-parser, text passed to `onText` as it
 * arrives, tool calls assembled from their fragments by index, usage from the last chunk.
 */
export async function readStream(
  response: Response,
  request: ModelRequest,
  endpoint: StreamEndpoint,
): Promise<ModelResponse> {
  const { shownUrl, redacted } = endpoint;
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
  const toolCalls = toolCallsOf(ordered.filter((call) => call.name));
  return {
    message: { role: 'assistant', content: text, ...(toolCalls.length > 0 ? { toolCalls } : {}) },
    stopReason: stopReasonOf(finish),
    usage: { inputTokens: usage?.prompt_tokens ?? 0, outputTokens: usage?.completion_tokens ?? 0 },
  };
}
