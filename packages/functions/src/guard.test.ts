import { createSign, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createAccessTokenVerifier } from '@toolgate/core/auth/verifier';
import { unusedJobsService } from '@toolgate/core/testing/jobs-fakes';
import { unusedUploadService } from '@toolgate/core/testing/upload-fakes';
import { ToolRegistry } from '@toolgate/core/tools/registry';
import type { UsersRepository } from '@toolgate/core/users/aws/repository';
import { handle } from 'hono/aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiApp } from './apps/api';
import { apiGatewayEvent, lambdaContext } from './testing/events';

/**
 * The guard with a real verifier and real RS256 signatures (node:crypto, JWKS over loopback): invoking the api
 * tier's handler directly, as `lambda:Invoke` would, with forged authorizer claims.
 */
const ISSUER = 'https://issuer.test';
const CLIENT = 'test-client';
const KID = 'test-key';
const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

function sign(privateKey: KeyObject, payload: Record<string, unknown>, kid = KID): string {
  const head = `${b64({ alg: 'RS256', kid, typ: 'JWT' })}.${b64(payload)}`;
  return `${head}.${createSign('RSA-SHA256').update(head).sign(privateKey).toString('base64url')}`;
}

const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const other = generateKeyPairSync('rsa', { modulusLength: 2048 });
const now = () => Math.floor(Date.now() / 1000);
const claims = (overrides: Record<string, unknown> = {}) => ({
  sub: 'user-a',
  iss: ISSUER,
  client_id: CLIENT,
  token_use: 'access',
  scope: 'toolgate/profile',
  iat: now(),
  exp: now() + 300,
  ...overrides,
});

let server: Server;
let handler: ReturnType<typeof handle>;
const seenSubs: string[] = [];
const users: UsersRepository = {
  async get(sub) {
    seenSubs.push(sub);
    return { sub, plan: 'free' };
  },
  setPlan: () => Promise.reject(new Error('unused')),
};

// What the api tier needs beyond the guard; unused by these tests (limits are tested in http/rate-limit.test.ts).
const otherApiDeps = {
  rateLimiter: null,
  tools: new ToolRegistry([]),
  chat: {} as never,
  chatDeadlineMs: 25_000,
  uploads: unusedUploadService(),
  jobs: unusedJobsService(),
};

beforeAll(async () => {
  const jwks = { keys: [{ ...publicKey.export({ format: 'jwk' }), kid: KID, alg: 'RS256', use: 'sig' }] };
  server = createServer((_req, res) =>
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(jwks)),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const verifier = createAccessTokenVerifier({
    kind: 'local',
    issuer: ISSUER,
    clientIds: [CLIENT],
    jwksUri: `http://127.0.0.1:${port}/.well-known/jwks.json`,
  });
  handler = handle(createApiApp({ verifier, users, ...otherApiDeps }));
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const forgedClaims = { sub: 'admin', scope: 'toolgate/profile', token_use: 'access', client_id: CLIENT, iss: ISSUER };

async function invoke(headers: Record<string, string>, path = '/me', method = 'GET') {
  const result = await handler(apiGatewayEvent(method, path, { headers, claims: forgedClaims }), lambdaContext());
  return { status: result.statusCode, headers: result.headers ?? {}, body: JSON.parse(result.body || '{}') };
}

describe('api tier guard on direct invocation (no bypass)', () => {
  it.each([
    ['no Authorization header', {}],
    [
      'a tampered token',
      {
        authorization: `Bearer ${sign(privateKey, claims()).replace(/\.[^.]+\./, `.${b64(claims({ sub: 'admin' }))}.`)}`,
      },
    ],
    ['a token signed by another key', { authorization: `Bearer ${sign(other.privateKey, claims())}` }],
  ])('rejects %s with 401 problem+json, whatever the authorizer claims say', async (_name, headers) => {
    const response = await invoke(headers);
    expect(response.status).toBe(401);
    expect(response.headers['content-type']).toBe('application/problem+json');
    expect(response.body).toMatchObject({ type: 'urn:toolgate:problem:unauthorized', status: 401 });
    expect(JSON.stringify(response.body)).not.toMatch(/at .*\.ts|stack/i);
  });

  it('accepts the same forged event carrying a valid token, and uses the token subject, not the claims', async () => {
    const response = await invoke({ authorization: `Bearer ${sign(privateKey, claims())}` });
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ sub: 'user-a', plan: 'free', scopes: ['toolgate/profile'], clientId: CLIENT });
    expect(seenSubs.at(-1)).toBe('user-a');
  });

  it('answers 403 for a valid token without the route scope', async () => {
    const response = await invoke({ authorization: `Bearer ${sign(privateKey, claims({ scope: 'toolgate/chat' }))}` });
    expect(response.status).toBe(403);
    expect(response.body.type).toBe('urn:toolgate:problem:forbidden');
  });

  it('answers 404 for an undeclared path even with a valid token, and 405 with Allow for a wrong method', async () => {
    const authorization = `Bearer ${sign(privateKey, claims())}`;
    const missing = await invoke({ authorization }, '/admin');
    expect(missing.status).toBe(404);
    expect(missing.headers['content-type']).toBe('application/problem+json');
    const wrongMethod = await invoke({ authorization }, '/me', 'DELETE');
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers.allow).toBe('GET');
  });

  it.each([['/me/.'], ['/uploads/./complete'], ['/x/../me'], ['/uploads/%2e/complete'], ['/x/%2E%2e/me']])(
    'answers 404 for %s: a dot segment the URL parser would resolve names no route (found by the contract check)',
    async (path) => {
      const response = await invoke({ authorization: `Bearer ${sign(privateKey, claims())}` }, path, 'POST');
      expect(response.status).toBe(404);
      expect(response.headers['content-type']).toBe('application/problem+json');
    },
  );

  it('routes by the request path, not by a forged routeKey', async () => {
    const event = apiGatewayEvent('GET', '/me', { claims: forgedClaims, routeKey: 'GET /health' });
    const result = await handler(event, lambdaContext());
    expect(result.statusCode).toBe(401);
  });

  it('does not serve public-tier routes from the api tier', async () => {
    const response = await invoke({}, '/catalog');
    expect(response.status).toBe(404);
  });

  it('refuses to build a guard for jwt routes without a verifier', () => {
    expect(() => createApiApp({ verifier: null as never, users, ...otherApiDeps })).toThrow(/need a verifier/);
  });
});
