import type { Context } from 'hono';
import { type SSEStreamingApi, streamSSE } from 'hono/streaming';
import { problemOf, servedError } from './problem';
import type { AppEnv } from './types';

/** True when the client asked for Server-Sent Events (`Accept: text/event-stream`, with or without parameters). */
export function acceptsEventStream(c: Context<AppEnv>): boolean {
  const accept = c.req.header('accept') ?? '';
  return accept.split(',').some((range) => range.split(';')[0]?.trim().toLowerCase() === 'text/event-stream');
}

/** Writes one event; events are written in the order they are sent, without the producer waiting on the client. */
export type SendEvent = (event: string, data: unknown) => void;

export interface EventStreamOptions {
  /**
   * Aborted when the client goes away (the response stream is cancelled or the request's signal fires), so the
   * producer can stop its work.
   */
  abort: AbortController;
  /** Runs once the stream is open; what it throws is sent as an `error` event (a Problem), which ends the stream. */
  produce(send: SendEvent): Promise<void>;
  /** Errors the client cannot see any more (it went away): logged by the caller, never sent. */
  onClientGone?(error: unknown): void;
}

/**
 * The SSE adapter: a `text/event-stream` response whose events are JSON `data` lines, and an `error` event with the
 * RFC 9457 problem (logged as `onError` logs it) when the producer fails after the stream opened. Core produces the
 * events; this only encodes them.
 */
export function eventStream(c: Context<AppEnv>, { abort, produce, onClientGone }: EventStreamOptions): Response {
  c.req.raw.signal.addEventListener('abort', () => abort.abort(c.req.raw.signal.reason), { once: true });
  const response = streamSSE(c, async (stream: SSEStreamingApi) => {
    stream.onAbort(() => abort.abort(new Error('the client closed the stream')));
    let written: Promise<unknown> = Promise.resolve();
    const send: SendEvent = (event, data) => {
      written = written.then(() => stream.writeSSE({ event, data: JSON.stringify(data) }));
    };
    try {
      await produce(send);
    } catch (error) {
      if (abort.signal.aborted) onClientGone?.(error);
      else send('error', problemOf(c, servedError(error, c)));
    }
    await written;
  });
  // Framing is the transport's (chunked over HTTP/1.1, frames over HTTP/2, a Lambda response stream deployed), and
  // an event stream must never be stored.
  response.headers.delete('Transfer-Encoding');
  response.headers.delete('Connection');
  response.headers.set('Cache-Control', 'no-store');
  return response;
}
