import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { apiGatewayEvent, lambdaContext } from '../testing/events';
import { SAMPLE_EVENTS, sampleEvent } from '../testing/sample-events';
import { lambdaHandler } from './lambda';
import type { AppEnv } from './types';

const app = new Hono<AppEnv>();
app.get('/thing', (c) => c.json({ ok: true }));
app.post('/thing', async (c) => c.json({ echoed: await c.req.text() }));
const handler = lambdaHandler(app);

describe('lambdaHandler', () => {
  it('lets a GET that carries a body reach the app (hono/aws-lambda alone answers it with a bare text/plain 400)', async () => {
    for (const isBase64Encoded of [false, true]) {
      const event = apiGatewayEvent('GET', '/thing', {
        body: isBase64Encoded ? Buffer.from('null').toString('base64') : 'null',
        isBase64Encoded,
        headers: { 'content-type': 'application/json' },
      });
      const result = await handler(event, lambdaContext());
      expect(result.statusCode).toBe(200);
      expect(JSON.parse(result.body)).toEqual({ ok: true });
    }
  });

  it('leaves every other method, and its body, alone', async () => {
    const result = await handler(apiGatewayEvent('POST', '/thing', { body: 'payload' }), lambdaContext());
    expect(JSON.parse(result.body)).toEqual({ echoed: 'payload' });
  });
});

describe('lambdaHandler: the route path behind a named stage or a custom-domain mapping', () => {
  const routed = new Hono<AppEnv>();
  routed.get('/me', (c) => c.json({ path: c.req.path }));
  routed.get('/health', (c) => c.json({ path: c.req.path }));
  routed.get('/catalog/:id', (c) => c.json({ id: c.req.param('id') }));
  routed.post('/jobs', (c) => {
    c.header('Location', '/jobs/j1');
    return c.json({ created: true }, 201);
  });
  const routedHandler = lambdaHandler(routed);
  const call = async (event: Parameters<typeof routedHandler>[0]) => {
    const result = await routedHandler(event, lambdaContext());
    const json = String(result.headers?.['content-type'] ?? '').startsWith('application/json');
    return {
      status: result.statusCode,
      body: json ? JSON.parse(result.body) : result.body,
      headers: result.headers ?? {},
    };
  };

  it.each(SAMPLE_EVENTS)('serves the route of the sample event %s', async (name) => {
    const event = sampleEvent(name);
    const expected = name.includes('no-authorizer') ? '/health' : '/me';
    expect(await call(event)).toMatchObject({ status: 200, body: { path: expected } });
  });

  it('finds a route with parameters after the prefix, and leaves the parameter as sent', async () => {
    const route = { method: 'GET', template: '/catalog/{id}', path: '/catalog/prod' };
    for (const name of SAMPLE_EVENTS) {
      expect(await call(sampleEvent(name, { route })), name).toMatchObject({ status: 200, body: { id: 'prod' } });
    }
  });

  it('puts a root-relative Location under the prefix the client called', async () => {
    const route = { method: 'POST', template: '/jobs', path: '/jobs' };
    const staged = await call(sampleEvent('powertools-jwt-authorizer-auth.named-stage', { route }));
    expect(staged.headers.location).toBe('/prod/jobs/j1');
    const mapped = await call(sampleEvent('aws-lambda-go-apigw-v2-request-jwt-authorizer.custom-domain', { route }));
    expect(mapped.headers.location).toBe('/v1/jobs/j1');
    expect((await call(apiGatewayEvent('POST', '/jobs'))).headers.location).toBe('/jobs/j1');
  });

  it('strips nothing the route key does not account for: a path outside every route stays unmatched', async () => {
    // A $default stage (the samples the default apiGatewayEvent builds): `/prod/me` is a path of its own.
    expect((await call(apiGatewayEvent('GET', '/prod/me'))).status).toBe(404);
    // A route key of another method does not move the path either.
    expect((await call(apiGatewayEvent('GET', '/prod/me', { routeKey: 'POST /me' }))).status).toBe(404);
  });
});
