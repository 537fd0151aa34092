import type { BillingStore } from '@toolgate/core/billing/aws/store';
import { createStripeWebhookProcessor } from '@toolgate/core/billing/webhook';
import { epochSeconds } from '@toolgate/core/clock';
import { manualClock } from '@toolgate/core/testing/clock';
import { handle } from 'hono/aws-lambda';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createWebhookApp } from './apps/webhook';
import { createStripeSignatureVerifier, stripeTestSignature } from './billing/stripe-signature';
import { apiGatewayEvent, lambdaContext } from './testing/events';
import { stripeSignatureHeader, stripeV1 } from './testing/stripe';

/**
 * The webhook tier invoked directly with payload-v2 events, as the gateway (or anyone with lambda:Invoke) would.
 * The store is a recorder: "nothing written" means no store method was called at all. The store's DynamoDB
 * conditions are covered end to end in tests/billing.test.ts.
 */
const SECRET = 'whsec_test_secret_for_toolgate';
const OTHER_SECRET = 'whsec_some_other_endpoint';
const PRO = 'price_pro';
const MARKER = 'zoe-private-data-marker';

/** The verifier's and the processor's clock: a signature's age is judged by it, never by the wall clock. */
const clock = manualClock();
const now = () => epochSeconds(clock());
const eventBody = (overrides: Record<string, unknown> = {}) =>
  JSON.stringify(
    {
      id: 'evt_test_1',
      object: 'event',
      type: 'customer.subscription.updated',
      created: now(),
      data: {
        object: {
          id: 'sub_1',
          object: 'subscription',
          customer: 'cus_1',
          status: 'active',
          metadata: { note: `${MARKER} Zoë ✓` },
          items: { data: [{ price: { id: PRO } }] },
        },
      },
      ...overrides,
    },
    null,
    2,
  );

let calls: string[];
let handler: ReturnType<typeof handle>;
let logged: string[];

function recordingStore(): BillingStore {
  const record =
    <T>(name: string, value: T) =>
    async () => {
      calls.push(name);
      return value;
    };
  return {
    takeEvent: record('takeEvent', { taken: true as const, token: 't' }),
    completeEvent: record('completeEvent', undefined),
    releaseEvent: record('releaseEvent', undefined),
    recordCustomerPlan: record('recordCustomerPlan', { recorded: true, sub: 'user-a' }),
    linkCustomer: record('linkCustomer', { linked: true as const }),
    applyUserPlan: record('applyUserPlan', true),
  };
}

beforeEach(() => {
  calls = [];
  logged = [];
  // Logs on, and captured: the tests below check that no body, header or secret ever reaches them.
  vi.stubEnv('POWERTOOLS_LOG_LEVEL', 'DEBUG');
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array, ...rest: unknown[]) => {
    logged.push(String(chunk));
    const callback = rest.find((arg) => typeof arg === 'function') as (() => void) | undefined;
    callback?.();
    return true;
  });
  const billing = createStripeWebhookProcessor({ store: recordingStore(), prices: { [PRO]: 'pro' }, now: clock });
  handler = handle(
    createWebhookApp({
      stripeSignature: createStripeSignatureVerifier({ secret: SECRET, toleranceSeconds: 300, clock }),
      billing,
    }),
  );
});

afterEach(() => {
  vi.restoreAllMocks();
  vi.unstubAllEnvs();
});

async function deliver(body: string, signature: string | undefined, options: { base64?: boolean } = {}) {
  const event = apiGatewayEvent('POST', '/webhooks/stripe', {
    headers: {
      'content-type': 'application/json; charset=utf-8',
      ...(signature === undefined ? {} : { 'stripe-signature': signature }),
    },
    body: options.base64 ? Buffer.from(body, 'utf8').toString('base64') : body,
    isBase64Encoded: options.base64 ?? false,
  });
  const result = await handler(event, lambdaContext('toolgate-webhook'));
  return { status: result.statusCode, headers: result.headers ?? {}, body: JSON.parse(result.body || '{}') };
}

describe('Stripe signature verification (direct invocation)', () => {
  const body = eventBody();
  const t = now();
  const valid = stripeV1(body, SECRET, t);

  it.each([
    ['a missing Stripe-Signature header', body, undefined],
    ['a header with no v1 signature', body, `t=${t},v0=${valid}`],
    ['a signature made with another secret', body, stripeSignatureHeader(body, OTHER_SECRET, t)],
    ['a body tampered by one byte', body.replace('"active"', '"activf"'), `t=${t},v1=${valid}`],
    ['the body re-serialised (whitespace changed)', JSON.stringify(JSON.parse(body)), `t=${t},v1=${valid}`],
    ['a timestamp older than the 300 s tolerance', body, stripeSignatureHeader(body, SECRET, t - 301)],
    ['a non-numeric timestamp', body, `t=abc,v1=${stripeV1(body, SECRET, 'abc')}`],
    // The library parses t=abc as NaN and its age check passes NaN: the strict header check is what refuses it.
    ['a non-numeric timestamp signed as NaN', body, `t=abc,v1=${stripeV1(body, SECRET, 'NaN')}`],
    ['a timestamp with trailing garbage', body, `t=${t}abc,v1=${valid}`],
    ['a valid v1 for a different payload', body, stripeSignatureHeader(eventBody({ id: 'evt_test_2' }), SECRET, t)],
    // The library throws a plain Error on an empty v1 (a 500); it must be a 400 like any bad header.
    ['an empty v1 next to a valid one', body, `t=${t},v1=,v1=${valid}`],
    ['two timestamps', body, `t=${t},t=${t},v1=${valid}`],
    ['an empty body', '', stripeSignatureHeader('', SECRET, t)],
  ])('rejects %s: 400 problem+json, nothing written, nothing logged of it', async (_name, sent, signature) => {
    const response = await deliver(sent, signature);
    expect(response.status).toBe(400);
    expect(response.headers['content-type']).toBe('application/problem+json');
    expect(response.body).toMatchObject({ type: 'urn:toolgate:problem:invalid-signature', status: 400 });
    expect(calls).toEqual([]);
    const logs = logged.join('');
    expect(logs).toContain('"status":400');
    for (const secretish of [MARKER, valid, SECRET, 'cus_1']) expect(logs).not.toContain(secretish);
  });

  it.each([
    ['the valid signature second', `t=${t},v1=${stripeV1(body, OTHER_SECRET, t)},v1=${valid}`],
    ['the valid signature first', `t=${t},v1=${valid},v1=${stripeV1(body, OTHER_SECRET, t)}`],
  ])('accepts a header with two v1 signatures (secret rotation), %s', async (_name, signature) => {
    const response = await deliver(body, signature);
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ received: true, eventId: 'evt_test_1', outcome: 'applied' });
    expect(calls).toEqual(['takeEvent', 'recordCustomerPlan', 'applyUserPlan', 'completeEvent']);
  });

  it('accepts a header made by the stripe library itself (v0 entries are ignored)', async () => {
    const response = await deliver(body, `${stripeTestSignature(body, SECRET, now())},v0=${'0'.repeat(64)}`);
    expect(response.status).toBe(200);
  });

  it('verifies the decoded bytes of a base64-encoded body (the gateway encodes non-text bodies)', async () => {
    const response = await deliver(body, stripeSignatureHeader(body, SECRET, now()), { base64: true });
    expect(response.status).toBe(200);
    expect(response.body.outcome).toBe('applied');
    expect(calls).toContain('applyUserPlan');
  });

  it('rejects a base64 body whose signature was computed over the base64 text', async () => {
    const encoded = Buffer.from(body, 'utf8').toString('base64');
    const response = await deliver(body, stripeSignatureHeader(encoded, SECRET, now()), { base64: true });
    expect(response.status).toBe(400);
    expect(calls).toEqual([]);
  });
});

describe('Stripe webhook body handling', () => {
  it('answers 400 bad-request for malformed JSON with a valid signature, writing nothing', async () => {
    const body = '{"id":"evt_1","object":"event",';
    const response = await deliver(body, stripeSignatureHeader(body, SECRET, now()));
    expect(response.status).toBe(400);
    expect(response.body.type).toBe('urn:toolgate:problem:bad-request');
    expect(calls).toEqual([]);
  });

  it.each([
    ['a JSON array', '[]'],
    ['an object that is not a Stripe event', '{"hello":"world"}'],
    ['an event with a non-numeric created', eventBody({ created: 'yesterday' })],
  ])('answers 400 validation for %s with a valid signature', async (_name, body) => {
    const response = await deliver(body, stripeSignatureHeader(body, SECRET, now()));
    expect(response.status).toBe(400);
    expect(response.body.type).toBe('urn:toolgate:problem:validation');
    expect(calls).toEqual([]);
  });

  it('acknowledges unknown event types with 200 and writes nothing', async () => {
    const body = eventBody({ type: 'customer.created' });
    const response = await deliver(body, stripeSignatureHeader(body, SECRET, now()));
    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      received: true,
      eventId: 'evt_test_1',
      outcome: 'ignored',
      why: 'unhandled event type',
    });
    expect(calls).toEqual([]);
  });

  it('logs the outcome by event id, never the body', async () => {
    const body = eventBody();
    await deliver(body, stripeSignatureHeader(body, SECRET, now()));
    const logs = logged.join('');
    expect(logs).toContain('"eventId":"evt_test_1"');
    expect(logs).toContain('"outcome":"applied"');
    expect(logs).not.toContain(MARKER);
  });

  it('only serves POST /webhooks/stripe', async () => {
    const result = await handler(apiGatewayEvent('GET', '/webhooks/stripe'), lambdaContext());
    expect(result.statusCode).toBe(405);
    const other = await handler(apiGatewayEvent('POST', '/me'), lambdaContext());
    expect(other.statusCode).toBe(404);
  });
});

describe('createStripeSignatureVerifier', () => {
  it('refuses to build without a whsec_ secret or with a tolerance that would disable the age check', () => {
    expect(() => createStripeSignatureVerifier({ secret: '', toleranceSeconds: 300 })).toThrow(/whsec_/);
    expect(() => createStripeSignatureVerifier({ secret: 'sk_live_oops', toleranceSeconds: 300 })).toThrow(/whsec_/);
    expect(() => createStripeSignatureVerifier({ secret: 'whsec_x\n', toleranceSeconds: 300 })).toThrow(/whsec_/);
    expect(() => createStripeSignatureVerifier({ secret: SECRET, toleranceSeconds: 0 })).toThrow(/tolerance/);
  });
});
