import type { RouteSpec } from '@toolgate/core/manifest';
import type { APIGatewayProxyEventV2WithJWTAuthorizer } from 'aws-lambda';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type DevIssuer, startDevIssuer } from '../issuer';
import { type RecordingHandler, recordingHandler, sleep, temporaryDir } from '../testing/fixtures';
import { rawRequest } from '../testing/http';
import { type LocalGateway, type LocalGatewayOptions, startLocalGateway } from './server';
import type { ObservedResponse } from './types';

const routes: RouteSpec[] = [
  {
    method: 'GET',
    path: '/health',
    tier: 'public',
    auth: { kind: 'public', reason: 'liveness probe, reveals nothing' },
    summary: 'h',
  },
  {
    method: 'GET',
    path: '/items/{id}',
    tier: 'public',
    auth: { kind: 'public', reason: 'public test data for gateway tests' },
    summary: 'i',
  },
  {
    method: 'POST',
    path: '/upload',
    tier: 'public',
    auth: { kind: 'public', reason: 'payload tests need an open route' },
    summary: 'u',
  },
  { method: 'GET', path: '/me', tier: 'api', auth: { kind: 'jwt', scopes: ['toolgate/profile'] }, summary: 'm' },
  {
    method: 'POST',
    path: '/chat',
    tier: 'api',
    auth: { kind: 'jwt', scopes: ['toolgate/chat', 'toolgate/tools'] },
    summary: 'c',
  },
];

let issuer: DevIssuer;
let keys: Awaited<ReturnType<typeof temporaryDir>>;
const gateways: LocalGateway[] = [];

beforeAll(async () => {
  keys = await temporaryDir();
  issuer = await startDevIssuer({ keysDir: keys.path });
});

afterAll(async () => {
  await Promise.all(gateways.map((gateway) => gateway.stop()));
  await issuer.stop();
  await keys.remove();
});

async function gateway(
  handlers: LocalGatewayOptions['handlers'],
  options: Partial<LocalGatewayOptions> = {},
): Promise<LocalGateway> {
  const started = await startLocalGateway({
    routes,
    handlers,
    authorizer: { issuer: issuer.issuer, audience: issuer.clientIds, jwks: issuer.jwks },
    throttling: null,
    ...options,
  });
  gateways.push(started);
  return started;
}

const message = (body: string) => JSON.parse(body) as { message: string };

describe('payload-v2 event', () => {
  let gw: LocalGateway;
  let publicTier: RecordingHandler;
  let apiTier: RecordingHandler;

  beforeAll(async () => {
    publicTier = recordingHandler();
    apiTier = recordingHandler();
    gw = await gateway({ public: publicTier.handler, api: apiTier.handler });
  });
  beforeEach(() => {
    publicTier.calls.length = 0;
    apiTier.calls.length = 0;
  });

  it('carries route, path, query, headers, cookies and request context like API Gateway', async () => {
    const res = await rawRequest(gw.url, '/items/a%20b?tag=x&tag=y&q=hello%20world&empty', {
      headers: { 'x-multi': ['one', 'two'], cookie: 'a=1; b=2', 'user-agent': 'gateway-test' },
    });
    expect(res.status).toBe(200);
    const { event, context } = publicTier.calls[0]!;
    expect(event).toMatchObject({
      version: '2.0',
      routeKey: 'GET /items/{id}',
      rawPath: '/items/a%20b',
      rawQueryString: 'tag=x&tag=y&q=hello%20world&empty',
      cookies: ['a=1', 'b=2'],
      queryStringParameters: { tag: 'x,y', q: 'hello world', empty: '' },
      pathParameters: { id: 'a b' },
      isBase64Encoded: false,
      requestContext: {
        routeKey: 'GET /items/{id}',
        stage: '$default',
        http: { method: 'GET', path: '/items/a%20b', protocol: 'HTTP/1.1', userAgent: 'gateway-test' },
      },
    });
    expect(event.body).toBeUndefined();
    expect(event.headers['x-multi']).toBe('one,two');
    expect(event.headers.cookie).toBeUndefined();
    expect(event.headers.host).toBe(new URL(gw.url).host);
    expect(event.headers['x-forwarded-for']).toBe('127.0.0.1');
    expect(Object.keys(event.headers).every((name) => name === name.toLowerCase())).toBe(true);
    expect(event.requestContext.http.sourceIp).toBe('127.0.0.1');
    expect(event.requestContext.requestId).toBe(res.headers['apigw-requestid']);
    expect(event.requestContext.time).toMatch(/^\d{2}\/[A-Z][a-z]{2}\/\d{4}:\d{2}:\d{2}:\d{2} \+0000$/);
    expect(Math.abs(event.requestContext.timeEpoch - Date.now())).toBeLessThan(5000);
    expect(event.requestContext).toHaveProperty('domainName');
    expect(event.requestContext).not.toHaveProperty('authorizer');
    expect(context.functionName).toBe('toolgate-public');
    expect(context.awsRequestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(context.getRemainingTimeInMillis()).toBeGreaterThan(25_000);
    expect(context.getRemainingTimeInMillis()).toBeLessThanOrEqual(30_000);
  });

  it('omits optional fields when the request has none', async () => {
    await rawRequest(gw.url, '/health');
    const { event } = publicTier.calls[0]!;
    expect(event.rawQueryString).toBe('');
    expect(event).not.toHaveProperty('queryStringParameters');
    expect(event).not.toHaveProperty('pathParameters');
    expect(event).not.toHaveProperty('cookies');
  });

  it('passes text bodies as strings and binary bodies base64-encoded', async () => {
    await rawRequest(gw.url, '/upload', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"ü":1}',
    });
    const binary = Buffer.from([0, 1, 2, 250, 255]);
    await rawRequest(gw.url, '/upload', { method: 'POST', headers: { 'content-type': 'image/png' }, body: binary });
    await rawRequest(gw.url, '/upload', {
      method: 'POST',
      headers: { 'content-type': 'text/plain', 'content-encoding': 'gzip' },
      body: 'not really gzip',
    });
    const [json, png, gzipped] = publicTier.calls.map((call) => call.event);
    expect(json).toMatchObject({ body: '{"ü":1}', isBase64Encoded: false });
    expect(json?.headers['content-length']).toBe(String(Buffer.byteLength('{"ü":1}')));
    expect(png).toMatchObject({ body: binary.toString('base64'), isBase64Encoded: true });
    expect(gzipped).toMatchObject({ body: Buffer.from('not really gzip').toString('base64'), isBase64Encoded: true });
  });

  it('puts verified claims and scopes in requestContext.authorizer.jwt', async () => {
    const token = await issuer.mintAccessToken({ sub: 'user-1', scopes: ['toolgate/profile', 'toolgate/chat'] });
    const res = await rawRequest(gw.url, '/me', { headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(200);
    const event = apiTier.calls[0]!.event as unknown as APIGatewayProxyEventV2WithJWTAuthorizer;
    expect(event.requestContext.authorizer.jwt.scopes).toEqual(['toolgate/profile', 'toolgate/chat']);
    expect(event.requestContext.authorizer.jwt.claims).toMatchObject({
      sub: 'user-1',
      iss: issuer.issuer,
      client_id: 'toolgate-local-agent',
      token_use: 'access',
      scope: 'toolgate/profile toolgate/chat',
    });
    // API Gateway hands every claim over as a string.
    expect(typeof event.requestContext.authorizer.jwt.claims.exp).toBe('string');
    expect(event.headers.authorization).toBe(`Bearer ${token}`);
  });
});

describe('writing the integration response', () => {
  it('decodes base64 bodies, emits cookies as Set-Cookie and adds apigw-requestid', async () => {
    const png = Buffer.from([137, 80, 78, 71, 0, 255]);
    const gw = await gateway({
      public: async () => ({
        statusCode: 201,
        headers: { 'content-type': 'image/png', 'x-single': 'one' },
        multiValueHeaders: { 'x-multi': ['a', 'b'] },
        cookies: ['s=1; Path=/', 't=2; HttpOnly'],
        body: png.toString('base64'),
        isBase64Encoded: true,
      }),
    });
    const res = await rawRequest(gw.url, '/health');
    expect(res.status).toBe(201);
    expect(res.body.equals(png)).toBe(true);
    expect(res.headers['set-cookie']).toEqual(['s=1; Path=/', 't=2; HttpOnly']);
    expect(res.headers['x-single']).toBe('one');
    expect(res.headers['x-multi']).toBe('a, b');
    expect(res.headers['apigw-requestid']).toMatch(/^[A-Za-z0-9+/]{14}[A-Za-z0-9+/=]{2}$/);
  });

  it('infers a 200 JSON response from output without statusCode (payload v2 rule)', async () => {
    const gw = await gateway({ public: async () => ({ hello: 'world' }) });
    const res = await rawRequest(gw.url, '/health');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/json');
    expect(res.json()).toEqual({ hello: 'world' });
  });

  it.each([
    ['a thrown error', async () => Promise.reject(new Error('boom'))],
    [
      'a synchronous throw',
      () => {
        throw new Error('sync boom');
      },
    ],
    ['no output', async () => undefined],
    ['a non-integer status', async () => ({ statusCode: 'teapot', body: '' })],
    ['a non-string body', async () => ({ statusCode: 200, body: { not: 'a string' } })],
    ['a header value HTTP forbids', async () => ({ statusCode: 200, headers: { 'x-bad': 'a\nb' }, body: '' })],
  ])('answers 500 Internal Server Error for %s', async (_, handler) => {
    const gw = await gateway({ public: handler });
    const res = await rawRequest(gw.url, '/health');
    expect(res.status).toBe(500);
    expect(res.headers['content-type']).toBe('application/json');
    expect(res.text).toBe('{"message":"Internal Server Error"}');
  });

  it('answers 503 Service Unavailable when the integration times out', async () => {
    let finish: () => void = () => undefined;
    const gw = await gateway(
      { public: () => new Promise((resolve) => (finish = () => resolve({ statusCode: 200, body: 'late' }))) },
      { timeoutMs: 50 },
    );
    // The integration never answers until told to: the 503 can only be the gateway's own timeout.
    const res = await rawRequest(gw.url, '/health');
    expect(res.status).toBe(503);
    expect(message(res.text)).toEqual({ message: 'Service Unavailable' });
    finish();
  });

  it('gives the handler a context whose remaining time follows the gateway timeout', async () => {
    const tier = recordingHandler();
    const gw = await gateway({ public: tier.handler }, { timeoutMs: 1000 });
    await rawRequest(gw.url, '/health');
    expect(tier.calls[0]!.context.getRemainingTimeInMillis()).toBeLessThanOrEqual(1000);
  });
});

describe('routing and payload limits', () => {
  let gw: LocalGateway;
  let tier: RecordingHandler;
  const limit = 64 * 1024;

  beforeAll(async () => {
    tier = recordingHandler();
    gw = await gateway({ public: tier.handler, api: tier.handler }, { maxPayloadBytes: limit });
  });
  beforeEach(() => {
    tier.calls.length = 0;
  });

  it.each([
    ['an undeclared path', 'GET', '/nowhere'],
    ['a wrong method', 'DELETE', '/health'],
    ['a trailing slash', 'GET', '/health/'],
    ['an OPTIONS request without CORS configured', 'OPTIONS', '/health'],
  ])('answers 404 {"message":"Not Found"} for %s without invoking a Lambda', async (_, method, path) => {
    const res = await rawRequest(gw.url, path, { method });
    expect(res.status).toBe(404);
    expect(res.headers['content-type']).toBe('application/json');
    expect(res.text).toBe('{"message":"Not Found"}');
    expect(tier.calls).toHaveLength(0);
  });

  it('accepts a body of exactly the limit', async () => {
    const res = await rawRequest(gw.url, '/upload', { method: 'POST', body: Buffer.alloc(limit, 1) });
    expect(res.status).toBe(200);
    expect(tier.calls).toHaveLength(1);
  });

  it.each([
    ['a declared Content-Length', undefined],
    ['a chunked body', 8 * 1024],
  ])('answers 413 for a body over the limit sent with %s, without invoking a Lambda', async (_, chunkSize) => {
    const body = Buffer.alloc(limit + 1, 1);
    for (const path of ['/upload', '/nowhere', '/me']) {
      const res = await rawRequest(gw.url, path, { method: 'POST', body, ...(chunkSize ? { chunkSize } : {}) });
      expect(res.status).toBe(413);
      expect(res.text).toBe('{"message":"Request Entity Too Large"}');
    }
    expect(tier.calls).toHaveLength(0);
    // The connection stays usable after the refused upload.
    expect((await rawRequest(gw.url, '/health')).status).toBe(200);
  });
});

describe('named stages and custom-domain mappings', () => {
  it('serves a named stage under /{stage}, with rawPath as the client sent it and the stage in the context', async () => {
    const tier = recordingHandler();
    const gw = await gateway({ public: tier.handler }, { stage: 'prod' });
    expect((await rawRequest(gw.url, '/prod/items/7?x=1')).status).toBe(200);
    expect(tier.calls[0]?.event).toMatchObject({
      routeKey: 'GET /items/{id}',
      rawPath: '/prod/items/7',
      pathParameters: { id: '7' },
      requestContext: { stage: 'prod', routeKey: 'GET /items/{id}', http: { path: '/prod/items/7' } },
    });
    // Outside the stage there is no route: API Gateway's own 404, no Lambda.
    const outside = await rawRequest(gw.url, '/items/7');
    expect(outside.status).toBe(404);
    expect(outside.text).toBe('{"message":"Not Found"}');
    expect((await rawRequest(gw.url, '/production/items/7')).status).toBe(404);
    expect(tier.calls).toHaveLength(1);
  });

  it('serves an API mapping under /{basePath}, which rawPath keeps while the stage is not in it', async () => {
    const tier = recordingHandler();
    const gw = await gateway({ public: tier.handler }, { stage: 'prod', basePath: 'v1' });
    expect((await rawRequest(gw.url, '/v1/health')).status).toBe(200);
    expect(tier.calls[0]?.event).toMatchObject({ rawPath: '/v1/health', requestContext: { stage: 'prod' } });
    expect((await rawRequest(gw.url, '/prod/health')).status).toBe(404);
  });

  it('refuses a stage or mapping name API Gateway would not accept', async () => {
    await expect(gateway({}, { stage: 'a/b' })).rejects.toThrow(/stage/);
    await expect(gateway({}, { basePath: '/v1' })).rejects.toThrow(/mapping/);
  });
});

describe('the 10 MiB default payload limit', () => {
  it('refuses 10 MiB + 1 byte, with and without Content-Length, before any Lambda runs', async () => {
    const tier = recordingHandler();
    const gw = await gateway({ public: tier.handler });
    const body = Buffer.alloc(10 * 1024 * 1024 + 1, 0x61);
    const declared = await rawRequest(gw.url, '/upload', {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body,
    });
    const chunked = await rawRequest(gw.url, '/upload', { method: 'POST', body, chunkSize: 256 * 1024 });
    expect([declared.status, chunked.status]).toEqual([413, 413]);
    expect(tier.calls).toHaveLength(0);
  });
});

describe('JWT authorizer', () => {
  let gw: LocalGateway;
  let tier: RecordingHandler;
  let other: DevIssuer;
  let otherKeys: Awaited<ReturnType<typeof temporaryDir>>;
  const now = () => Math.floor(Date.now() / 1000);

  beforeAll(async () => {
    tier = recordingHandler();
    gw = await gateway({ api: tier.handler, public: tier.handler });
    otherKeys = await temporaryDir();
    other = await startDevIssuer({ keysDir: otherKeys.path });
  });
  afterAll(async () => {
    await other.stop();
    await otherKeys.remove();
  });
  beforeEach(() => {
    tier.calls.length = 0;
  });

  const claims = (overrides: Record<string, unknown> = {}) => ({
    sub: 'user-1',
    iss: issuer.issuer,
    client_id: 'toolgate-local-agent',
    token_use: 'access',
    scope: 'toolgate/profile',
    iat: now(),
    exp: now() + 600,
    ...overrides,
  });

  const call = (authorization?: string) =>
    rawRequest(gw.url, '/me', authorization === undefined ? {} : { headers: { authorization } });

  it('lets a valid access token through', async () => {
    const res = await call(`Bearer ${await issuer.sign(claims())}`);
    expect(res.status).toBe(200);
    expect(tier.calls).toHaveLength(1);
  });

  it('accepts a token whose aud (rather than client_id) is an allowed client', async () => {
    const res = await call(`Bearer ${await issuer.sign(claims({ client_id: undefined, aud: 'toolgate-local-web' }))}`);
    expect(res.status).toBe(200);
  });

  it.each<[string, () => Promise<string | undefined>]>([
    ['no Authorization header', async () => undefined],
    ['an empty header', async () => ''],
    ['another scheme', async () => `Basic ${Buffer.from('a:b').toString('base64')}`],
    ['a lowercase scheme', async () => `bearer ${await issuer.sign(claims())}`],
    ['a malformed token', async () => 'Bearer not.a.jwt'],
    ['two segments', async () => `Bearer ${(await issuer.sign(claims())).split('.').slice(0, 2).join('.')}`],
    [
      'a bad signature',
      async () => {
        const [header, payload] = (await issuer.sign(claims())).split('.');
        const forged = await other.sign(claims());
        return `Bearer ${header}.${payload}.${forged.split('.')[2]}`;
      },
    ],
    [
      'a tampered payload',
      async () => {
        const [header, , signature] = (await issuer.sign(claims())).split('.');
        const payload = Buffer.from(JSON.stringify(claims({ sub: 'admin' }))).toString('base64url');
        return `Bearer ${header}.${payload}.${signature}`;
      },
    ],
    ['another key (unknown kid)', async () => `Bearer ${await other.sign(claims())}`],
    ['another key claiming our kid', async () => `Bearer ${await other.sign(claims(), { kid: issuer.kid })}`],
    [
      'alg none',
      async () => {
        const header = Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url');
        return `Bearer ${header}.${Buffer.from(JSON.stringify(claims())).toString('base64url')}.`;
      },
    ],
    ['an expired token', async () => `Bearer ${await issuer.sign(claims({ iat: now() - 120, exp: now() - 60 }))}`],
    ['no exp', async () => `Bearer ${await issuer.sign(claims({ exp: undefined }))}`],
    ['nbf in the future', async () => `Bearer ${await issuer.sign(claims({ nbf: now() + 300 }))}`],
    ['iat in the future', async () => `Bearer ${await issuer.sign(claims({ iat: now() + 300 }))}`],
    ['a wrong issuer', async () => `Bearer ${await issuer.sign(claims({ iss: 'https://evil.example/issuer' }))}`],
    ['a wrong client id', async () => `Bearer ${await issuer.sign(claims({ client_id: 'someone-else' }))}`],
    [
      'a wrong aud even with a good client_id',
      async () => `Bearer ${await issuer.sign(claims({ aud: 'someone-else' }))}`,
    ],
    // jose alone accepts this one (it implements b64); toolgate refuses any crit, as its Lambdas do.
    ['a crit header', async () => `Bearer ${await issuer.sign(claims(), { crit: ['b64'], b64: true })}`],
  ])('answers 401 {"message":"Unauthorized"} for %s, before the Lambda', async (_, authorization) => {
    const res = await call(await authorization());
    expect(res.status).toBe(401);
    expect(res.text).toBe('{"message":"Unauthorized"}');
    expect(res.headers['www-authenticate']).toMatch(/^Bearer/);
    expect(tier.calls).toHaveLength(0);
  });

  it('answers 403 {"message":"Forbidden"} for a valid token with none of the route scopes', async () => {
    const res = await call(`Bearer ${await issuer.mintAccessToken({ sub: 'u', scopes: ['toolgate/chat'] })}`);
    expect(res.status).toBe(403);
    expect(res.text).toBe('{"message":"Forbidden"}');
    expect(res.headers['www-authenticate']).toContain('insufficient_scope');
    expect(tier.calls).toHaveLength(0);
  });

  it('needs only one of the route scopes', async () => {
    const token = await issuer.mintAccessToken({ sub: 'u', scopes: ['toolgate/tools'] });
    const res = await rawRequest(gw.url, '/chat', { method: 'POST', headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(200);
  });

  it('reads scopes from scp when there is no scope claim', async () => {
    const res = await call(`Bearer ${await issuer.sign(claims({ scope: undefined, scp: ['toolgate/profile'] }))}`);
    expect(res.status).toBe(200);
  });

  it('reads an scp given as a space-separated string (Entra ID)', async () => {
    const res = await call(`Bearer ${await issuer.sign(claims({ scope: undefined, scp: 'openid toolgate/profile' }))}`);
    expect(res.status).toBe(200);
  });

  it('accepts the token alone, without "Bearer ", as API Gateway reads its identity source', async () => {
    const res = await call(await issuer.sign(claims()));
    expect(res.status).toBe(200);
    expect(tier.calls).toHaveLength(1);
  });

  it('treats an ID token like API Gateway does: authenticated by aud, then 403 for lacking scopes', async () => {
    const res = await call(`Bearer ${await issuer.mintIdToken({ sub: 'u' })}`);
    expect(res.status).toBe(403);
    expect(tier.calls).toHaveLength(0);
  });

  it('does not run the authorizer on public routes', async () => {
    const res = await rawRequest(gw.url, '/health', { headers: { authorization: 'Bearer garbage' } });
    expect(res.status).toBe(200);
  });
});

describe('throttling', () => {
  it("answers 429 once a route's bucket is empty; each route has its own, at the stage's default limits", async () => {
    const gw = await gateway(
      { public: recordingHandler().handler, api: recordingHandler().handler },
      {
        throttling: { stage: { rateLimit: 0.001, burstLimit: 3 }, publicRoutes: { rateLimit: 0.001, burstLimit: 2 } },
      },
    );
    const token = await issuer.mintAccessToken({ sub: 'u', scopes: ['toolgate/profile'] });
    const me = [];
    for (let i = 0; i < 5; i++) {
      me.push((await rawRequest(gw.url, '/me', { headers: { authorization: `Bearer ${token}` } })).status);
    }
    expect(me).toEqual([200, 200, 200, 429, 429]);
    const res = await rawRequest(gw.url, '/me', { headers: { authorization: `Bearer ${token}` } });
    expect(res.text).toBe('{"message":"Too Many Requests"}');
    // Another route is untouched by that flood (AWS applies default route throttling per route).
    expect((await rawRequest(gw.url, '/health')).status).toBe(200);
  });

  it('throttles each public route on its own bucket, and leaves authenticated routes to the stage limit', async () => {
    const gw = await gateway(
      { public: recordingHandler().handler, api: recordingHandler().handler },
      {
        throttling: { stage: { rateLimit: 1000, burstLimit: 1000 }, publicRoutes: { rateLimit: 0.001, burstLimit: 2 } },
      },
    );
    const token = await issuer.mintAccessToken({ sub: 'u', scopes: ['toolgate/profile'] });
    const health = [];
    for (let i = 0; i < 3; i++) health.push((await rawRequest(gw.url, '/health')).status);
    expect(health).toEqual([200, 200, 429]);
    expect((await rawRequest(gw.url, '/items/1')).status).toBe(200);
    for (let i = 0; i < 5; i++) {
      expect((await rawRequest(gw.url, '/me', { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
    }
  });
});

describe('reserved concurrency', () => {
  const blocking = () => {
    const releases: (() => void)[] = [];
    const handler = recordingHandler(
      () => new Promise((resolve) => releases.push(() => resolve({ statusCode: 200, body: 'done' }))),
    );
    return {
      ...handler,
      releaseAll: () => {
        for (const release of releases.splice(0)) release();
      },
    };
  };

  it('throttles a tier over its reserved concurrency with 500 (a Lambda throttle, as API Gateway answers it), while other tiers keep their share', async () => {
    const publicTier = blocking();
    const apiTier = recordingHandler();
    const gw = await gateway(
      { public: publicTier.handler, api: apiTier.handler },
      { concurrency: { public: 2, api: 2 } },
    );
    const token = await issuer.mintAccessToken({ sub: 'u', scopes: ['toolgate/profile'] });

    const inFlight = [rawRequest(gw.url, '/health'), rawRequest(gw.url, '/health')];
    while (publicTier.calls.length < 2) await sleep(5);
    const throttled = await rawRequest(gw.url, '/health');
    expect(throttled.status).toBe(500);
    expect(throttled.text).toBe('{"message":"Internal Server Error"}');
    expect(publicTier.calls).toHaveLength(2);

    const api = await rawRequest(gw.url, '/me', { headers: { authorization: `Bearer ${token}` } });
    expect(api.status).toBe(200);

    publicTier.releaseAll();
    expect((await Promise.all(inFlight)).map((res) => res.status)).toEqual([200, 200]);
    // Slots free up once the invocations finish.
    const after = rawRequest(gw.url, '/health');
    while (publicTier.calls.length < 3) await sleep(5);
    publicTier.releaseAll();
    expect((await after).status).toBe(200);
  });

  it('keeps the slot of a timed-out invocation until the function really finishes', async () => {
    const publicTier = blocking();
    const gw = await gateway({ public: publicTier.handler }, { concurrency: { public: 1 }, timeoutMs: 30 });
    expect((await rawRequest(gw.url, '/health')).status).toBe(503); // integration timeout
    expect((await rawRequest(gw.url, '/health')).status).toBe(500); // still running: throttled
    expect(publicTier.calls).toHaveLength(1);
    publicTier.releaseAll();
    await sleep(5);
    expect((await rawRequest(gw.url, '/health')).status).toBe(503); // timed out again, but it was invoked
    expect(publicTier.calls).toHaveLength(2);
    publicTier.releaseAll();
  });

  it('with a shared pool, a public flood starves the api tier', async () => {
    const publicTier = blocking();
    const apiTier = recordingHandler();
    const gw = await gateway({ public: publicTier.handler, api: apiTier.handler }, { sharedPool: 2 });
    const token = await issuer.mintAccessToken({ sub: 'u', scopes: ['toolgate/profile'] });
    const flood = [rawRequest(gw.url, '/health'), rawRequest(gw.url, '/health')];
    while (publicTier.calls.length < 2) await sleep(5);
    const api = await rawRequest(gw.url, '/me', { headers: { authorization: `Bearer ${token}` } });
    expect(api.status).toBe(500);
    expect(apiTier.calls).toHaveLength(0);
    publicTier.releaseAll();
    await Promise.all(flood);
  });
});

describe('CORS', () => {
  let gw: LocalGateway;
  let tier: RecordingHandler;
  const origin = 'http://localhost:5173';

  beforeAll(async () => {
    tier = recordingHandler(() => ({
      statusCode: 200,
      headers: { 'access-control-allow-origin': '*', 'content-type': 'text/plain' },
      body: 'ok',
    }));
    gw = await gateway(
      { public: tier.handler, api: tier.handler },
      {
        cors: {
          allowOrigins: [origin],
          allowMethods: ['GET', 'POST'],
          allowHeaders: ['authorization', 'content-type'],
          exposeHeaders: ['etag'],
          maxAgeSeconds: 600,
        },
      },
    );
  });
  beforeEach(() => {
    tier.calls.length = 0;
  });

  const preflight = (headers: Record<string, string>, path = '/me') =>
    rawRequest(gw.url, path, { method: 'OPTIONS', headers: { 'access-control-request-method': 'GET', ...headers } });

  it('answers an allowed preflight itself (no token needed, no Lambda invoked)', async () => {
    const res = await preflight({ origin, 'access-control-request-headers': 'Authorization, Content-Type' });
    expect(res.status).toBe(204);
    expect(res.headers).toMatchObject({
      'access-control-allow-origin': origin,
      'access-control-allow-methods': 'GET,POST',
      'access-control-allow-headers': 'authorization,content-type',
      'access-control-max-age': '600',
    });
    expect(tier.calls).toHaveLength(0);
  });

  it('answers a preflight even for a path with no route', async () => {
    expect((await preflight({ origin }, '/nowhere')).status).toBe(204);
  });

  it.each([
    ['an unknown origin', { origin: 'https://evil.example' }],
    ['a method that is not allowed', { origin, 'access-control-request-method': 'DELETE' }],
    ['a header that is not allowed', { origin, 'access-control-request-headers': 'x-custom' }],
  ])('gives no CORS headers to a preflight with %s', async (_, headers) => {
    const res = await preflight(headers);
    expect(res.status).toBe(204);
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
    expect(tier.calls).toHaveLength(0);
  });

  it('replaces the integration CORS headers with the configured ones on actual responses', async () => {
    const allowed = await rawRequest(gw.url, '/health', { headers: { origin } });
    expect(allowed.headers['access-control-allow-origin']).toBe(origin);
    expect(allowed.headers['access-control-expose-headers']).toBe('etag');
    const denied = await rawRequest(gw.url, '/health', { headers: { origin: 'https://evil.example' } });
    expect(denied.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('adds CORS headers to the gateway answers too, so browsers can read a 401', async () => {
    const res = await rawRequest(gw.url, '/me', { headers: { origin } });
    expect(res.status).toBe(401);
    expect(res.headers['access-control-allow-origin']).toBe(origin);
  });
});

describe('missing integration', () => {
  it('answers 500 for a route whose tier has no handler', async () => {
    const gw = await gateway({});
    const res = await rawRequest(gw.url, '/health');
    expect(res.status).toBe(500);
    expect(res.text).toBe('{"message":"Internal Server Error"}');
  });
});

describe('response observer', () => {
  it('sees every answer as the client receives it: integration answers, gateway answers and preflights', async () => {
    const seen: ObservedResponse[] = [];
    const gw = await gateway(
      { public: async () => ({ statusCode: 201, headers: { 'content-type': 'text/plain' }, body: 'made' }) },
      {
        onResponse: (response) => seen.push(response),
        cors: { allowOrigins: ['http://localhost:5173'], allowMethods: ['GET'], allowHeaders: ['*'] },
      },
    );
    await rawRequest(gw.url, '/health?x=1');
    await rawRequest(gw.url, '/nowhere');
    await rawRequest(gw.url, '/health', {
      method: 'OPTIONS',
      headers: { origin: 'http://localhost:5173', 'access-control-request-method': 'GET' },
    });
    expect(
      seen.map(({ method, path, routeKey, preflight, status }) => ({ method, path, routeKey, preflight, status })),
    ).toEqual([
      { method: 'GET', path: '/health', routeKey: 'GET /health', preflight: false, status: 201 },
      { method: 'GET', path: '/nowhere', routeKey: null, preflight: false, status: 404 },
      { method: 'OPTIONS', path: '/health', routeKey: null, preflight: true, status: 204 },
    ]);
    expect(seen[0]?.headers['content-type']).toBe('text/plain');
    expect(seen[0]?.body.toString()).toBe('made');
    expect(seen[1]?.headers['content-type']).toBe('application/json');
    expect(JSON.parse(seen[1]?.body.toString() ?? '')).toEqual({ message: 'Not Found' });
  });

  it('cannot change an answer by throwing', async () => {
    const gw = await gateway(
      { public: async () => ({ statusCode: 200, body: 'ok' }) },
      {
        onResponse: () => {
          throw new Error('observer bug');
        },
      },
    );
    const res = await rawRequest(gw.url, '/health');
    expect(res.status).toBe(200);
    expect(res.text).toBe('ok');
  });
});
