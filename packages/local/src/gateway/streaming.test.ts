import { DEFAULT_CONCURRENCY_BUDGET, deployedApiSplit, splitApiConcurrency } from '@toolgate/core/concurrency';
import { routes, streamRoutes } from '@toolgate/core/manifest';
import { lambdaStreamHandler } from '@toolgate/functions/http/lambda-stream';
import type { AppEnv } from '@toolgate/functions/http/types';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { Hono } from 'hono';
import { streamSSE } from 'hono/streaming';
import { describe, expect, it } from 'vitest';
import { installLambdaStreamingRuntime, invokeStreaming, isStreamingHandler } from './streaming';

/**
 * The api tier's response-streaming adapter (`lambdaStreamHandler`) run as Lambda runs it: the runtime's `awslambda`
 * global, the HTTP prelude and its 8-NUL delimiter, then the body as written.
 */
installLambdaStreamingRuntime();

const event = (method: string, path: string): APIGatewayProxyEventV2 =>
  ({
    version: '2.0',
    routeKey: '$default',
    rawPath: path,
    rawQueryString: '',
    headers: { host: 'abc.lambda-url.us-east-1.on.aws', accept: 'text/event-stream' },
    requestContext: {
      accountId: '123456789012',
      apiId: 'abc',
      domainName: 'abc.lambda-url.us-east-1.on.aws',
      domainPrefix: 'abc',
      http: { method, path, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'test' },
      requestId: 'r1',
      routeKey: '$default',
      stage: '$default',
      time: '05/Dec/2026:00:00:00 +0000',
      timeEpoch: 0,
    },
    body: '{}',
    isBase64Encoded: false,
  }) as APIGatewayProxyEventV2;
const context = { getRemainingTimeInMillis: () => 10_000 } as Context;

function app(onAbort: () => void) {
  const hono = new Hono<AppEnv>();
  hono.post('/chat', (c) =>
    streamSSE(c, async (stream) => {
      c.req.raw.signal.addEventListener('abort', onAbort);
      for (let index = 0; index < 50 && !c.req.raw.signal.aborted; index++) {
        await stream.writeSSE({ event: 'delta', data: JSON.stringify({ text: `${index} ` }) });
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    }),
  );
  hono.get('/me', (c) => c.json({ sub: 'should not be reachable' }));
  return hono;
}

const collect = async (body: NodeJS.ReadableStream) => {
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
};

describe('the response-streaming Lambda adapter', () => {
  it('is marked as a streaming handler and writes the prelude, then the events as they come', async () => {
    const handler = lambdaStreamHandler(
      app(() => undefined),
      streamRoutes(),
    );
    expect(isStreamingHandler(handler)).toBe(true);
    const invocation = invokeStreaming(handler, event('POST', '/chat'), context);
    const prelude = await invocation.prelude;
    expect(prelude?.statusCode).toBe(200);
    expect(Object.fromEntries(prelude?.headers ?? [])['content-type']).toBe('text/event-stream');
    // Framing belongs to the transport, never to the metadata.
    expect(prelude?.headers.map(([name]) => name)).not.toContain('transfer-encoding');
    const body = await collect(invocation.body);
    expect(body.startsWith('event: delta\ndata: {"text":"0 "}\n\n')).toBe(true);
    expect(body.match(/event: delta/g)).toHaveLength(50);
  });

  it('serves only the manifest routes that stream: any other path on the URL is a 404 problem', async () => {
    expect(streamRoutes()).toEqual([routes.chat]);
    const handler = lambdaStreamHandler(
      app(() => undefined),
      streamRoutes(),
    );
    const invocation = invokeStreaming(handler, event('GET', '/me'), context);
    expect((await invocation.prelude)?.statusCode).toBe(404);
    expect(JSON.parse(await collect(invocation.body))).toMatchObject({ status: 404 });
  });

  it('a client that goes away aborts the request: the app stops producing', async () => {
    let aborted = false;
    const handler = lambdaStreamHandler(
      app(() => {
        aborted = true;
      }),
      streamRoutes(),
    );
    const invocation = invokeStreaming(handler, event('POST', '/chat'), context);
    await invocation.prelude;
    await new Promise((resolve) => setTimeout(resolve, 20));
    invocation.close();
    await invocation.settled;
    expect(aborted).toBe(true);
  });
});

describe('the stream function belongs to the api tier', () => {
  it('takes a fifth of its reserved concurrency (at least 1), the api function the rest', () => {
    expect(splitApiConcurrency(50)).toEqual({ buffered: 40, stream: 10 });
    expect(splitApiConcurrency(4)).toEqual({ buffered: 3, stream: 1 });
    expect(() => splitApiConcurrency(1)).toThrow();
  });

  it('is split only when the manifest streams: without stream routes the api function keeps the whole budget', () => {
    expect(deployedApiSplit(DEFAULT_CONCURRENCY_BUDGET, true)).toEqual({ buffered: 40, stream: 10 });
    expect(deployedApiSplit(DEFAULT_CONCURRENCY_BUDGET, false)).toBeNull();
    expect(deployedApiSplit('off', true)).toBeNull();
  });
});
