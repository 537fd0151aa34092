import { HTTP_TIERS, type HttpTier, type RouteSpec, routesOfTier } from '@toolgate/core/manifest';
import { apiGatewayEvent, lambdaContext } from '@toolgate/functions/testing/events';
import {
  installLambdaStreamingRuntime,
  invokeStreaming,
  type StreamingLambdaHandler,
} from '@toolgate/local/gateway/streaming';
import { describe, expect, it } from 'vitest';
import { type HostileCase, hostileTokens } from './support/hostile-tokens';
import { getJson, useLocalRuntime } from './support/runtime';

const runtime = useLocalRuntime({ seed: false });
const SCOPE = 'toolgate/profile';

/** Claims a direct invoker would forge: an admin with every scope. The guard must never read them. */
const forgedClaims = { sub: 'admin', scope: 'toolgate/profile toolgate/chat', client_id: 'toolgate-local-agent' };

// Imported when called, after the runtime has set the environment (handlers read their configuration at init).
const tierHandlers: Record<HttpTier, () => Promise<{ handler: (...args: never[]) => unknown }>> = {
  public: () => import('@toolgate/functions/handlers/public'),
  api: () => import('@toolgate/functions/handlers/api'),
  webhook: () => import('@toolgate/functions/handlers/webhook'),
};

type LambdaResult = { statusCode: number; headers?: Record<string, string>; body: string };

async function invokeTier(tier: HttpTier, route: RouteSpec, authorization: string | undefined) {
  const headers: Record<string, string> = authorization === undefined ? {} : { authorization };
  const { handler } = (await tierHandlers[tier]()) as unknown as {
    handler: (event: unknown, context: unknown) => Promise<LambdaResult>;
  };
  const result = await handler(
    apiGatewayEvent(route.method, route.path, { headers, claims: forgedClaims }),
    lambdaContext(`toolgate-${tier}`),
  );
  return {
    status: result.statusCode,
    contentType: result.headers?.['content-type'],
    body: JSON.parse(result.body || 'null'),
  };
}

const invokeDirect = (authorization: string | undefined) =>
  invokeTier('api', { method: 'GET', path: '/me' } as RouteSpec, authorization);

/** Every tier that serves jwt routes, with a route of it the table can call as is (a GET without parameters). */
const jwtTargets = HTTP_TIERS.flatMap((tier) => {
  const route = routesOfTier(tier).find(
    (candidate) => candidate.auth.kind === 'jwt' && candidate.method === 'GET' && !candidate.path.includes('{'),
  );
  return route?.auth.kind === 'jwt' ? [{ tier, route, scope: route.auth.scopes[0] }] : [];
});

const verdict = (status: number) => (status >= 200 && status < 300 ? 'accept' : 'deny');

describe('one token verdict: the local gateway and each tier by direct invocation', () => {
  it('covers every tier that serves jwt routes (today: api)', () => {
    expect(jwtTargets.map((target) => target.tier)).toContain('api');
  });

  for (const { tier, route, scope } of jwtTargets) {
    describe(`${tier} tier, ${route.method} ${route.path}`, () => {
      let cases: HostileCase[] = [];
      const viaGateway = new Map<string, number>();
      const viaLambda = new Map<string, number>();

      it('builds the table', async () => {
        cases = await hostileTokens(runtime().issuer, scope);
        expect(cases.length).toBeGreaterThanOrEqual(30);
        expect(cases.filter((row) => row.expected === 200).length).toBeGreaterThanOrEqual(5);
      });

      it("through the local gateway: refused by its authorizer with API Gateway's body, or served", async () => {
        for (const { name, authorization, expected: lambdaExpected, gatewayExpected } of cases) {
          const expected = gatewayExpected ?? lambdaExpected;
          const response = await fetch(`${runtime().url}${route.path}`, {
            headers: authorization ? { authorization } : {},
          });
          const body = await response.json();
          viaGateway.set(name, response.status);
          if (expected === 401) expect.soft(body, name).toEqual({ message: 'Unauthorized' });
          else if (expected === 403) expect.soft(body, name).toEqual({ message: 'Forbidden' });
          else if (route.path === '/me') expect.soft(body.sub, name).toBe('mallory');
        }
        const wrong = cases.filter((row) => viaGateway.get(row.name) !== (row.gatewayExpected ?? row.expected));
        expect(wrong.map((row) => `${row.name}: ${viaGateway.get(row.name)}`)).toEqual([]);
      });

      it('by direct invocation with forged authorizer claims: the guard alone reaches the same verdicts', async () => {
        for (const { name, authorization, expected } of cases) {
          const response = await invokeTier(tier, route, authorization);
          viaLambda.set(name, response.status);
          if (expected === 200) {
            if (route.path === '/me') expect.soft(response.body.sub, name).toBe('mallory');
            continue;
          }
          expect.soft(response.contentType, name).toBe('application/problem+json');
          expect
            .soft(response.body.type, name)
            .toBe(expected === 401 ? 'urn:toolgate:problem:unauthorized' : 'urn:toolgate:problem:forbidden');
          expect.soft(JSON.stringify(response.body), name).not.toContain('mallory');
        }
        const wrong = cases.filter((row) => viaLambda.get(row.name) !== row.expected);
        expect(wrong.map((row) => `${row.name}: ${viaLambda.get(row.name)}`)).toEqual([]);
      });

      // Soft checks above: every row runs, so that this comparison sees the whole table even when rows failed.
      it('the two verdicts are identical on every row', () => {
        const differ = cases
          .filter((row) => verdict(viaGateway.get(row.name) ?? 0) !== verdict(viaLambda.get(row.name) ?? 0))
          .map((row) => row.name);
        expect(cases.length).toBeGreaterThan(0);
        expect(differ).toEqual([]);
      });
    });
  }
});

describe('no bypass', () => {
  it('a forged event with no token is 401, the same event with a valid token is 200 as the token subject', async () => {
    expect((await invokeDirect(undefined)).status).toBe(401);
    const token = await runtime().issuer.mintAccessToken({ sub: 'alice', scopes: [SCOPE] });
    const response = await invokeDirect(`Bearer ${token}`);
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ sub: 'alice', plan: 'free', scopes: [SCOPE] });
  });
});

describe('GET /me', () => {
  it('returns the verified sub, the default plan and the granted scopes', async () => {
    const scopes = ['toolgate/profile', 'toolgate/chat'];
    const token = await runtime().issuer.mintAccessToken({ sub: 'bob', scopes });
    const response = await getJson(`${runtime().url}/me`, {
      headers: { authorization: `Bearer ${token}`, 'x-user-id': 'admin', 'x-plan': 'pro' },
    });
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ sub: 'bob', plan: 'free', scopes, clientId: 'toolgate-local-agent' });
  });

  it('reads the plan from the user record, never from the token', async () => {
    const { createUsersRepository } = await import('@toolgate/core/users/aws/repository');
    const { createDocumentClient } = await import('@toolgate/core/data/dynamo');
    const doc = createDocumentClient({ endpoint: runtime().endpoints.dynamodb, region: runtime().region });
    await createUsersRepository(doc, runtime().tableName).setPlan('carol', 'pro');
    doc.destroy();
    const token = await runtime().issuer.sign({
      sub: 'carol',
      iss: runtime().issuer.issuer,
      client_id: runtime().issuer.clientIds[0],
      token_use: 'access',
      scope: SCOPE,
      plan: 'free',
      exp: Math.floor(Date.now() / 1000) + 60,
    });
    const response = await getJson(`${runtime().url}/me`, { headers: { authorization: `Bearer ${token}` } });
    expect(response.body.plan).toBe('pro');
  });
});

/**
 * The chat stream is deployed behind a Function URL with auth NONE (ADR 0003): no gateway authorizer runs, so the
 * api tier's own guard is the only check. The same hostile-token table, sent as the URL would send it (no authorizer
 * claims, forged ones ignored), must get the same verdict as the JWT table above: refused without a stream opening,
 * or streamed to the token's subject.
 */
describe('no bypass through the streaming Function URL', () => {
  const CHAT_SCOPE = 'toolgate/chat';

  async function invokeStream(authorization: string | undefined) {
    installLambdaStreamingRuntime();
    const { streamHandler } = (await import('@toolgate/functions/handlers/api')) as unknown as {
      streamHandler: StreamingLambdaHandler;
    };
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      accept: 'text/event-stream',
      ...(authorization === undefined ? {} : { authorization }),
    };
    const event = apiGatewayEvent('POST', '/chat', {
      headers,
      claims: forgedClaims,
      body: JSON.stringify({ message: 'hello' }),
    });
    const invocation = invokeStreaming(streamHandler, event as never, lambdaContext('toolgate-api-stream') as never);
    const prelude = await invocation.prelude;
    let text = '';
    for await (const chunk of invocation.body) text += String(chunk);
    return { status: prelude?.statusCode ?? 0, text };
  }

  it('refuses every hostile token the guard refuses, and streams only for the valid ones', async () => {
    const cases = await hostileTokens(runtime().issuer, CHAT_SCOPE);
    const wrong: string[] = [];
    for (const { name, authorization, expected } of cases) {
      const { status, text } = await invokeStream(authorization);
      if (verdict(status) !== verdict(expected)) wrong.push(`${name}: ${status}, expected ${expected}`);
      if (expected !== 200) expect.soft(text, name).not.toContain('event: delta');
      else expect.soft(text, name).toContain('event: done');
    }
    expect(wrong).toEqual([]);
    expect((await invokeStream(undefined)).status).toBe(401);
  }, 60_000);
});
