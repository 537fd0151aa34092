import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { apiGatewayEvent, lambdaContext } from '../testing/events';
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
