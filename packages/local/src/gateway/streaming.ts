import { PassThrough, type Writable } from 'node:stream';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';

/**
 * Lambda response streaming, locally. The Node.js runtime gives every function a global `awslambda` whose
 * `streamifyResponse` marks a handler as streaming and whose `HttpResponseStream.from` writes the HTTP metadata (a JSON
 * prelude: status, headers, cookies) followed by 8 NUL bytes before the body, which is how a Function URL in
 * RESPONSE_STREAM mode tells metadata from body. This module provides the same global and reads the same bytes back,
 * so the handler deployed is the handler run here.
 */

const HANDLER_STREAMING = Symbol.for('aws.lambda.runtime.handler.streaming');
const PRELUDE_DELIMITER = Buffer.alloc(8);
/** The runtime's content type for a stream that starts with the HTTP prelude. */
const HTTP_INTEGRATION_RESPONSE = 'application/vnd.awslambda.http-integration-response';

export type StreamingLambdaHandler = (
  event: APIGatewayProxyEventV2,
  responseStream: Writable,
  context: Context,
) => Promise<unknown>;

interface LocalResponseStream extends PassThrough {
  contentType?: string;
  setContentType(type: string): void;
}

/**
 * Defines the runtime's `awslambda` streaming members when they are missing: before the handler modules are imported.
 * The global itself may exist already (the AWS SDK's invoke store creates it to keep its own member there).
 */
export function installLambdaStreamingRuntime(): void {
  const target = globalThis as { awslambda?: Record<string, unknown> };
  if (typeof target.awslambda?.streamifyResponse === 'function') return;
  target.awslambda = {
    ...target.awslambda,
    streamifyResponse<H extends object>(handler: H): H {
      return Object.assign(handler, { [HANDLER_STREAMING]: 'response' });
    },
    HttpResponseStream: {
      from(stream: LocalResponseStream, metadata: Record<string, unknown>): Writable {
        stream.setContentType(HTTP_INTEGRATION_RESPONSE);
        stream.write(JSON.stringify(metadata));
        stream.write(PRELUDE_DELIMITER);
        return stream;
      },
    },
  };
}

export function isStreamingHandler(handler: unknown): handler is StreamingLambdaHandler {
  return (
    typeof handler === 'function' && (handler as { [HANDLER_STREAMING]?: unknown })[HANDLER_STREAMING] === 'response'
  );
}

export interface StreamPrelude {
  statusCode: number;
  headers: [string, string][];
  cookies: string[];
}

export interface StreamedInvocation {
  /** The HTTP metadata, once the handler wrote it; null when it ended or failed without (API Gateway: a 502/500). */
  prelude: Promise<StreamPrelude | null>;
  /** The body after the prelude, chunk by chunk as the handler writes it. */
  body: PassThrough;
  /** Settles when the handler returns; then its concurrency slot frees up. */
  settled: Promise<unknown>;
  /** The client went away: the handler's response stream closes, as Lambda's does. */
  close(): void;
}

function preludeOf(json: string): StreamPrelude | null {
  try {
    const value = JSON.parse(json) as { statusCode?: unknown; headers?: unknown; cookies?: unknown };
    if (typeof value.statusCode !== 'number') return null;
    const headers = Object.entries((value.headers ?? {}) as Record<string, unknown>).map(
      ([name, header]) => [name, String(header)] as [string, string],
    );
    const cookies = Array.isArray(value.cookies) ? value.cookies.map(String) : [];
    return { statusCode: value.statusCode, headers, cookies };
  } catch {
    return null;
  }
}

/** Invokes a streaming handler as a Function URL does and splits what it writes into the prelude and the body. */
export function invokeStreaming(
  handler: StreamingLambdaHandler,
  event: APIGatewayProxyEventV2,
  context: Context,
): StreamedInvocation {
  const responseStream = Object.assign(new PassThrough(), {
    setContentType(this: LocalResponseStream, type: string) {
      this.contentType = type;
    },
  }) as LocalResponseStream;
  const body = new PassThrough();
  let head: Buffer | null = Buffer.alloc(0);
  let resolvePrelude!: (prelude: StreamPrelude | null) => void;
  const prelude = new Promise<StreamPrelude | null>((resolve) => {
    resolvePrelude = resolve;
  });

  responseStream.on('data', (chunk: Buffer) => {
    if (head === null) {
      body.write(chunk);
      return;
    }
    head = Buffer.concat([head, chunk]);
    const end = head.indexOf(PRELUDE_DELIMITER);
    if (end === -1) return;
    resolvePrelude(preludeOf(head.subarray(0, end).toString('utf8')));
    const rest = head.subarray(end + PRELUDE_DELIMITER.length);
    head = null;
    if (rest.length > 0) body.write(rest);
  });
  const finish = () => {
    resolvePrelude(null);
    if (!body.writableEnded) body.end();
  };
  responseStream.on('end', finish);
  responseStream.on('close', finish);

  const settled = Promise.resolve()
    .then(() => handler(event, responseStream, context))
    .catch(() => undefined)
    .finally(() => {
      if (!responseStream.writableEnded) responseStream.end();
    });
  return {
    prelude,
    body,
    settled,
    close: () => responseStream.destroy(),
  };
}
