import type { Writable } from 'node:stream';
import { NotFoundError, toProblem } from '@toolgate/core/errors';
import { RouteMatcher, type RouteSpec } from '@toolgate/core/manifest';
import type { APIGatewayProxyEventV2, Context as LambdaContext } from 'aws-lambda';
import type { Fetcher } from './lazy-routes';
import { routePathOf } from './route-path';

/** How the Lambda runtime recognises a response-streaming handler (what `awslambda.streamifyResponse` sets). */
const HANDLER_STREAMING = Symbol.for('aws.lambda.runtime.handler.streaming');

/** Response headers that belong to the transport, never to a Lambda response stream's metadata. */
const FRAMING = new Set(['content-length', 'transfer-encoding', 'connection', 'keep-alive']);

/** The runtime's response-streaming API: the global the Node.js runtime defines (and `packages/local` locally). */
interface LambdaStreamingRuntime {
  streamifyResponse?<H>(handler: H): H;
  HttpResponseStream?: { from(stream: Writable, metadata: Record<string, unknown>): Writable };
}
const runtime = () => (globalThis as { awslambda?: LambdaStreamingRuntime }).awslambda;

export type StreamingHandler = ((
  event: APIGatewayProxyEventV2,
  responseStream: Writable,
  context: LambdaContext,
) => Promise<void>) & { [HANDLER_STREAMING]?: string };

/** A payload-v2 event (a Function URL's, or the local gateway's) as the Fetch request the app reads. */
function requestOf(event: APIGatewayProxyEventV2, signal: AbortSignal): Request {
  const route = routePathOf(event);
  const path = route?.path ?? event.rawPath;
  const host = event.requestContext.domainName || event.headers?.host || 'localhost';
  const url = `https://${host}${path}${event.rawQueryString ? `?${event.rawQueryString}` : ''}`;
  const headers = new Headers();
  for (const [name, value] of Object.entries(event.headers ?? {})) if (value !== undefined) headers.set(name, value);
  if (event.cookies?.length) headers.set('cookie', event.cookies.join('; '));
  const method = event.requestContext.http.method.toUpperCase();
  const body =
    method === 'GET' || method === 'HEAD' || !event.body
      ? undefined
      : event.isBase64Encoded
        ? Buffer.from(event.body, 'base64')
        : event.body;
  return new Request(url, { method, headers, ...(body !== undefined ? { body } : {}), signal });
}

/**
 * A tier's app as a response-streaming Lambda handler (`awslambda.streamifyResponse`), for a Function URL with
 * `InvokeMode: RESPONSE_STREAM` (docs/adr/0003-streaming.md). Hono's `streamHandle` does the same, but a client that
 * disconnects there is invisible to the app; here it aborts the request's signal and cancels the body, so the model
 * call stops and the chat keeps what it produced. The app is the same one `lambdaHandler` serves: the guard verifies
 * the bearer JWT in the Lambda, as for every request.
 */
export function lambdaStreamHandler(app: Fetcher, only: readonly RouteSpec[]): StreamingHandler {
  const streamed = new RouteMatcher(only);
  const handler: StreamingHandler = async (event, responseStream, context) => {
    const gone = new AbortController();
    const clientGone = () => gone.abort(new Error('the client closed the response stream'));
    responseStream.once('close', clientGone);
    responseStream.once('error', clientGone);
    const request = requestOf(event, gone.signal);
    // The Function URL answers every path: only the manifest's streaming routes are served through it; the rest of
    // the tier stays behind the HTTP API, its authorizer and its throttles.
    const response = streamed.match(request.method, new URL(request.url).pathname).matched
      ? await app.fetch(request, { event, lambdaContext: context })
      : Response.json(toProblem(new NotFoundError()), {
          status: 404,
          headers: { 'content-type': 'application/problem+json', 'cache-control': 'no-store' },
        });
    const headers: Record<string, string> = {};
    const cookies: string[] = [];
    response.headers.forEach((value, name) => {
      if (name === 'set-cookie') cookies.push(value);
      else if (!FRAMING.has(name)) headers[name] = value;
    });
    const out = runtime()?.HttpResponseStream?.from(responseStream, { statusCode: response.status, headers, cookies });
    if (!out) throw new Error('lambdaStreamHandler: no Lambda streaming runtime (awslambda) in this process');
    const reader = response.body?.getReader();
    gone.signal.addEventListener('abort', () => void reader?.cancel().catch(() => undefined), { once: true });
    try {
      for (;;) {
        const chunk = reader ? await reader.read() : { done: true as const, value: undefined };
        if (chunk.done || gone.signal.aborted) break;
        if (!out.write(chunk.value)) {
          await new Promise((resolve) => {
            out.once('drain', resolve);
            gone.signal.addEventListener('abort', resolve, { once: true });
          });
        }
      }
    } catch (error) {
      if (!gone.signal.aborted) throw error;
    } finally {
      responseStream.off('close', clientGone);
      responseStream.off('error', clientGone);
      if (!out.writableEnded && !out.destroyed) out.end();
    }
  };
  handler[HANDLER_STREAMING] = 'response';
  // The AWS SDK may create the global (for its InvokeStore) where no Lambda runtime defined it.
  const streamify = runtime()?.streamifyResponse;
  return typeof streamify === 'function' ? streamify(handler) : handler;
}
