import { splitApiConcurrency } from '@toolgate/core/concurrency';
import { streamRoutes } from '@toolgate/core/manifest';
import { lambdaStreamHandler } from '@toolgate/functions/http/lambda-stream';
import type { AppEnv } from '@toolgate/functions/http/types';
import { Hono } from 'hono';
import { streamSSE } from 'hono/streaming';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DevIssuer, startDevIssuer } from '../issuer';
import { recordingHandler, sleep, temporaryDir } from '../testing/fixtures';
import { rawRequest } from '../testing/http';
import { type LocalGateway, startLocalGateway } from './server';
import { installLambdaStreamingRuntime } from './streaming';

/**
 * Deployed, the chat stream is its own function with its own share of the api tier's reserved concurrency
 * (`deployedApiSplit`, infra/api.ts): streams cannot take the executions buffered api routes keep, nor the reverse.
 * The local gateway keeps the same two pools.
 */
installLambdaStreamingRuntime();

let issuer: DevIssuer;
let keys: Awaited<ReturnType<typeof temporaryDir>>;
let gw: LocalGateway;
/** Every stream and every buffered api invocation waits here until the test lets them all finish. */
const waiting: (() => void)[] = [];
const hold = () => new Promise<void>((resolve) => waiting.push(resolve));
const releaseAll = () => {
  for (const release of waiting.splice(0)) release();
};

const API_BUDGET = 5;
const { buffered, stream } = splitApiConcurrency(API_BUDGET);

beforeAll(async () => {
  keys = await temporaryDir('toolgate-keys-');
  issuer = await startDevIssuer({ keysDir: keys.path });
  const app = new Hono<AppEnv>();
  app.post('/chat', (c) =>
    streamSSE(c, async (sse) => {
      await sse.writeSSE({ event: 'start', data: '{}' });
      await hold();
    }),
  );
  const apiTier = recordingHandler(async () => {
    await hold();
    return { statusCode: 200, body: '{}' };
  });
  gw = await startLocalGateway({
    handlers: { api: apiTier.handler },
    streamHandlers: { api: lambdaStreamHandler(app, streamRoutes()) },
    authorizer: { issuer: issuer.issuer, audience: issuer.clientIds, jwks: issuer.jwks },
    throttling: null,
    concurrency: { api: API_BUDGET },
  });
});
afterAll(async () => {
  releaseAll();
  await gw.stop();
  await issuer.stop();
  await keys.remove();
});

describe('the local gateway splits the api tier’s reserved concurrency as deployed', () => {
  it('gives streams their share and buffered routes the rest: neither can take the other’s executions', async () => {
    expect({ buffered, stream }).toEqual({ buffered: 4, stream: 1 });
    const token = await issuer.mintAccessToken({ sub: 'u', scopes: ['toolgate/chat', 'toolgate/profile'] });
    const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    const streamChat = () =>
      rawRequest(gw.url, '/chat', {
        method: 'POST',
        headers: { ...headers, accept: 'text/event-stream' },
        body: '{"message":"hi"}',
      });
    const me = () => rawRequest(gw.url, '/me', { headers });

    const first = streamChat();
    while (waiting.length < 1) await sleep(5);
    // The stream function is at its reservation: another stream is throttled, as Lambda throttles it.
    const second = await Promise.race([streamChat(), sleep(2_000).then(() => null)]);
    expect(second?.status, 'a second stream was admitted').toBe(500);
    expect(second?.text).toBe('{"message":"Internal Server Error"}');

    // ...while the api function still has every execution of its own.
    const calls = Array.from({ length: buffered }, () => me());
    while (waiting.length < 1 + buffered) await sleep(5);
    expect((await me()).status).toBe(500);
    expect(gw.concurrency().api).toEqual({ inUse: buffered, reserved: buffered });

    releaseAll();
    expect((await first).status).toBe(200);
    expect((await Promise.all(calls)).map((answer) => answer.status)).toEqual(Array(buffered).fill(200));
  });
});
