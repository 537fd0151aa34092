import { type HttpTier, manifest, type RouteSpec } from '@toolgate/core/manifest';
import { lambdaContext } from '@toolgate/functions/testing/events';
import { SAMPLE_EVENTS, type SampleEventName, sampleEvent } from '@toolgate/functions/testing/sample-events';
import { describe, expect, it } from 'vitest';
import { getJson, useLocalRuntime } from './support/runtime';

/**
 * Named stages and custom-domain API mappings (issue 17 §4): API Gateway sends `rawPath` as the client called it
 * (`/prod/me`, `/v1/me`). Every tier must still find every route: through the local gateway emulating a named
 * stage, and by direct invocation with AWS's own sample events (packages/functions/src/testing/fixtures/apigw-v2).
 */
const runtime = useLocalRuntime({ seed: false, gateway: { stage: 'prod' } });

// Imported when called, after the runtime has set the environment (handlers read their configuration at init).
const tierHandlers: Record<HttpTier, () => Promise<unknown>> = {
  public: () => import('@toolgate/functions/handlers/public'),
  api: () => import('@toolgate/functions/handlers/api'),
  webhook: () => import('@toolgate/functions/handlers/webhook'),
};

type LambdaResult = { statusCode: number; headers?: Record<string, string>; body: string };

async function invoke(tier: HttpTier, event: unknown) {
  const { handler } = (await tierHandlers[tier]()) as {
    handler: (event: unknown, context: unknown) => Promise<LambdaResult>;
  };
  const result = await handler(event, lambdaContext(`toolgate-${tier}`));
  let body: unknown = result.body;
  try {
    body = JSON.parse(result.body);
  } catch {
    // not JSON: kept as text
  }
  return { status: result.statusCode, body: body as { detail?: string; sub?: string; status?: string } };
}

/** A request path for a route template: every parameter filled in. */
const pathOf = (route: RouteSpec) => route.path.replace(/\{[^}]+\}/g, 'sample-1');

const SAMPLES_WITH_A_ROUTE_KEY: SampleEventName[] = SAMPLE_EVENTS.filter((name) => !name.includes('default-route'));

describe('through the local gateway on the named stage prod', () => {
  it('serves the routes under /prod, and nothing outside it', async () => {
    expect((await getJson(`${runtime().url}/prod/health`)).status).toBe(200);
    const token = await runtime().issuer.mintAccessToken({ sub: 'stan', scopes: ['toolgate/profile'] });
    const me = await getJson(`${runtime().url}/prod/me`, { headers: { authorization: `Bearer ${token}` } });
    expect(me).toMatchObject({ status: 200, body: { sub: 'stan' } });
    const outside = await getJson(`${runtime().url}/me`, { headers: { authorization: `Bearer ${token}` } });
    expect(outside).toMatchObject({ status: 404, body: { message: 'Not Found' } });
  });
});

describe("by direct invocation with API Gateway's sample events", () => {
  it('each sample reaches its route: a real token gets GET /me, /health answers', async () => {
    const token = await runtime().issuer.mintAccessToken({ sub: 'stan', scopes: ['toolgate/profile'] });
    for (const name of SAMPLE_EVENTS) {
      const isMe = !name.includes('no-authorizer');
      const event = sampleEvent(name, isMe ? { authorization: `Bearer ${token}` } : {});
      const response = await invoke(isMe ? 'api' : 'public', event);
      expect(response.status, name).toBe(200);
      if (isMe) expect(response.body.sub, name).toBe('stan');
    }
  });

  it('every manifest route, in every sample position, is found by its tier (no "No route" 404, no 405)', async () => {
    const unmatched: string[] = [];
    for (const route of manifest) {
      for (const name of SAMPLES_WITH_A_ROUTE_KEY) {
        const event = sampleEvent(name, { route: { method: route.method, template: route.path, path: pathOf(route) } });
        const response = await invoke(route.tier, event);
        if (response.status === 405 || response.body.detail?.startsWith('No route')) {
          unmatched.push(`${route.method} ${route.path} via ${name}: ${response.status}`);
        }
      }
    }
    expect(unmatched).toEqual([]);
  });
});
