import { routes } from '@toolgate/core/manifest';
import type { handle } from 'hono/aws-lambda';
import { describe, expect, it } from 'vitest';
import { apiGatewayEvent, lambdaContext } from '../testing/events';
import { lazyApp, lazyRoutesHandler, loadOnce } from './lazy-routes';

type Handler = ReturnType<typeof handle>;

/** A handler that answers with its own name and the path it got, counting its calls. */
function named(name: string) {
  const calls: string[] = [];
  const handler = (async (event: { rawPath: string }) => {
    calls.push(event.rawPath);
    return { statusCode: 200, body: name, headers: {}, isBase64Encoded: false };
  }) as unknown as Handler;
  return { handler, calls };
}

function setup(load?: () => Promise<Handler>) {
  const eager = named('eager');
  const rest = named('rest');
  let loads = 0;
  const handler = lazyRoutesHandler({
    eager: [routes.me],
    eagerHandler: eager.handler,
    load:
      load ??
      (async () => {
        loads++;
        return rest.handler;
      }),
  });
  const call = async (method: string, path: string, options: Parameters<typeof apiGatewayEvent>[2] = {}) =>
    (await handler(apiGatewayEvent(method, path, options), lambdaContext())).body;
  return { call, eager, rest, loads: () => loads };
}

describe('lazyRoutesHandler', () => {
  it('answers an eager route without loading the rest', async () => {
    const { call, loads } = setup();
    expect(await call('GET', '/me')).toBe('eager');
    expect(loads()).toBe(0);
  });

  it('loads the rest once, on the first other request, and sends every other request there', async () => {
    const { call, loads, rest } = setup();
    const answers = await Promise.all([call('POST', '/chat'), call('GET', '/tools'), call('GET', '/jobs/j1')]);
    expect(answers).toEqual(['rest', 'rest', 'rest']);
    expect(loads()).toBe(1);
    expect(await call('GET', '/unknown')).toBe('rest');
    expect(loads()).toBe(1);
    expect(rest.calls).toEqual(['/chat', '/tools', '/jobs/j1', '/unknown']);
  });

  it('decides by method and path, not by the route key an event claims', async () => {
    const { call } = setup();
    // A forged key naming the eager route does not move another path to the eager app, nor does another method.
    expect(await call('GET', '/chat', { routeKey: 'GET /me' })).toBe('rest');
    expect(await call('POST', '/me')).toBe('rest');
    expect(await call('GET', '/me/', {})).toBe('rest');
  });

  it('sees the path the app sees: behind a named stage the eager route is still eager', async () => {
    const { call, eager } = setup();
    expect(await call('GET', '/prod/me', { routeKey: 'GET /me' })).toBe('eager');
    expect(eager.calls).toEqual(['/prod/me']);
  });

  it('tries the load again on the next request after a failed one', async () => {
    const rest = named('rest');
    let attempt = 0;
    const { call } = setup(async () => {
      attempt++;
      if (attempt === 1) throw new Error('module failed to load');
      return rest.handler;
    });
    await expect(call('POST', '/chat')).rejects.toThrow('module failed to load');
    expect(await call('POST', '/chat')).toBe('rest');
    expect(attempt).toBe(2);
  });
});

describe('loadOnce and lazyApp', () => {
  it('share one load between concurrent callers', async () => {
    let loads = 0;
    const once = loadOnce(async () => {
      loads++;
      await new Promise((resolve) => setTimeout(resolve, 5));
      return loads;
    });
    expect(await Promise.all([once(), once(), once()])).toEqual([1, 1, 1]);
    expect(loads).toBe(1);
  });

  it('forward fetch to the loaded app, loaded on the first fetch', async () => {
    let loads = 0;
    const app = lazyApp(async () => {
      loads++;
      return { fetch: (request: Request) => new Response(new URL(request.url).pathname) };
    });
    expect(loads).toBe(0);
    const response = await app.fetch(new Request('https://x.example/chat'), {});
    expect(await response.text()).toBe('/chat');
    await app.fetch(new Request('https://x.example/chat'), {});
    expect(loads).toBe(1);
  });
});
