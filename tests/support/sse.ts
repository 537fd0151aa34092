import { createParser, type EventSourceMessage } from 'eventsource-parser';

export interface ReceivedEvent {
  event: string;
  // biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON
  data: any;
  /** ms since the request was sent. */
  at: number;
}

export interface StreamedChat {
  status: number;
  headers: Headers;
  /** The events, for a text/event-stream answer; the JSON body otherwise (a refusal before the stream opened). */
  events: ReceivedEvent[];
  // biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON
  body: any;
}

/**
 * `POST /chat` with `Accept: text/event-stream`, read as a browser would: `fetch` and a body reader, the events parsed
 * by eventsource-parser. `onEvent` sees each event as it arrives (and may abort the request through `signal`).
 */
export async function streamChat(
  baseUrl: string,
  token: string,
  body: unknown,
  options: { signal?: AbortSignal; onEvent?: (event: ReceivedEvent) => void } = {},
): Promise<StreamedChat> {
  const started = performance.now();
  const response = await fetch(`${baseUrl}/chat`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', accept: 'text/event-stream' },
    body: JSON.stringify(body),
    ...(options.signal ? { signal: options.signal } : {}),
  });
  const events: ReceivedEvent[] = [];
  if (!response.headers.get('content-type')?.startsWith('text/event-stream')) {
    const text = await response.text();
    return { status: response.status, headers: response.headers, events, body: text ? JSON.parse(text) : null };
  }
  const parser = createParser({
    onEvent: (message: EventSourceMessage) => {
      const event = {
        event: message.event ?? 'message',
        data: JSON.parse(message.data),
        at: performance.now() - started,
      };
      events.push(event);
      options.onEvent?.(event);
    },
  });
  const reader = response.body?.pipeThrough(new TextDecoderStream()).getReader();
  try {
    for (;;) {
      const chunk = await reader?.read();
      if (!chunk || chunk.done) break;
      parser.feed(chunk.value);
    }
  } catch (error) {
    if (!options.signal?.aborted) throw error;
  }
  return { status: response.status, headers: response.headers, events, body: null };
}
