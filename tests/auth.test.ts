import { apiGatewayEvent, lambdaContext } from '@toolgate/functions/testing/events';
import { describe, expect, it } from 'vitest';
import { type HostileCase, hostileTokens } from './support/hostile-tokens';
import { getJson, useLocalRuntime } from './support/runtime';

const runtime = useLocalRuntime({ seed: false });
const SCOPE = 'toolgate/profile';

/** Claims a direct invoker would forge: an admin with every scope. The guard must never read them. */
const forgedClaims = { sub: 'admin', scope: 'toolgate/profile toolgate/chat', client_id: 'toolgate-local-agent' };

async function invokeDirect(authorization: string | undefined) {
  const headers: Record<string, string> = authorization === undefined ? {} : { authorization };
  // Imported after the runtime has set the environment (handlers read their configuration at init).
  const { handler: apiHandler } = await import('@toolgate/functions/handlers/api');
  const result = await apiHandler(
    apiGatewayEvent('GET', '/me', { headers, claims: forgedClaims }),
    lambdaContext('toolgate-api'),
  );
  return {
    status: result.statusCode,
    contentType: result.headers?.['content-type'],
    body: JSON.parse(result.body || 'null'),
  };
}

describe('JWT rejection table', () => {
  let cases: HostileCase[] = [];
  it('builds the table', async () => {
    cases = await hostileTokens(runtime().issuer, SCOPE);
    expect(cases.length).toBeGreaterThanOrEqual(18);
  });

  it('through the local gateway: every hostile token is refused before or by the Lambda, none accepted', async () => {
    const results = [];
    for (const { name, authorization, expected: lambdaExpected, gatewayExpected } of cases) {
      const expected = gatewayExpected ?? lambdaExpected;
      const response = await fetch(`${runtime().url}/me`, { headers: authorization ? { authorization } : {} });
      const body = await response.json();
      results.push({ name, status: response.status, expected });
      if (expected === 401) expect(body, name).toEqual({ message: 'Unauthorized' });
      else expect(body, name).toEqual({ message: 'Forbidden' });
    }
    expect(results.filter((r) => r.status !== r.expected)).toEqual([]);
  });

  it('by direct invocation with forged authorizer claims: the guard refuses every one, 401 problem+json', async () => {
    const results = [];
    for (const { name, authorization, expected } of cases) {
      const response = await invokeDirect(authorization);
      results.push({ name, status: response.status, expected });
      expect(response.contentType, name).toBe('application/problem+json');
      expect(response.body.type, name).toBe(
        expected === 401 ? 'urn:toolgate:problem:unauthorized' : 'urn:toolgate:problem:forbidden',
      );
      expect(JSON.stringify(response.body), name).not.toContain('mallory');
    }
    expect(results.filter((r) => r.status !== r.expected)).toEqual([]);
  });
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
    const { createUsersRepository } = await import('@toolgate/core/users/repository');
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
