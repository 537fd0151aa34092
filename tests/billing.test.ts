import { randomUUID } from 'node:crypto';
import { createBillingStore, stripeCustomerKey, stripeEventKey } from '@toolgate/core/billing/aws/store';
import { createStripeWebhookProcessor } from '@toolgate/core/billing/webhook';
import { epochSeconds, systemClock } from '@toolgate/core/clock';
import { LOCAL_STRIPE_PRO_PRICE, LOCAL_STRIPE_WEBHOOK_SECRET } from '@toolgate/core/config-reader';
import { createDocumentClient } from '@toolgate/core/data/dynamo';
import { createUsageStore } from '@toolgate/core/limits/aws/usage';
import { DEFAULT_PLAN_LIMITS } from '@toolgate/core/limits/plans';
import { createPlanRateLimiter } from '@toolgate/core/limits/rate-limiter';
import { scope } from '@toolgate/core/scopes';
import { createUsersRepository, userKey } from '@toolgate/core/users/aws/repository';
import { apiGatewayEvent, lambdaContext } from '@toolgate/functions/testing/events';
import { stripeSignatureHeader, stripeV1 } from '@toolgate/functions/testing/stripe';
import { type LocalRuntime, startLocalRuntime } from '@toolgate/local/runtime';
import { sendStripeEvent } from '@toolgate/local/stripe-send';
import { temporaryDir } from '@toolgate/local/testing/fixtures';
import { scanTable } from '@toolgate/local/testing/table';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withContractCheck } from './support/runtime';

/**
 * Issue 7 end to end: Stripe deliveries through the local API Gateway into the webhook tier's real handler,
 * against DynamoDB (dynalite), then the plan as `GET /me` and the rate limiter see it.
 */
let runtime: LocalRuntime;
let keys: Awaited<ReturnType<typeof temporaryDir>>;

beforeAll(async () => {
  keys = await temporaryDir();
  runtime = await startLocalRuntime(await withContractCheck({ port: 0, quiet: true, seed: false, keysDir: keys.path }));
});

afterAll(async () => {
  await runtime?.stop();
  await keys?.remove();
});

const SECRET = LOCAL_STRIPE_WEBHOOK_SECRET;
/** The local runtime runs on the system clock, so signatures are made at its time. */
const nowSeconds = () => epochSeconds(systemClock());
const unique = () => randomUUID().replaceAll('-', '').slice(0, 12);

const scan = () =>
  scanTable({ endpoint: runtime.endpoints.dynamodb, region: runtime.region, tableName: runtime.tableName });
const find = async (key: { pk: string; sk: string }) =>
  (await scan()).find((item) => item.pk === key.pk && item.sk === key.sk);

interface Customer {
  sub: string;
  customerId: string;
}
const newCustomer = (): Customer => ({ sub: `user-${unique()}`, customerId: `cus_${unique()}` });

function subscriptionEvent(
  customer: Customer,
  options: { id?: string; created?: number; status?: string; type?: string; price?: string } = {},
) {
  return {
    id: options.id ?? `evt_${unique()}`,
    object: 'event' as const,
    type: options.type ?? 'customer.subscription.updated',
    created: options.created ?? nowSeconds(),
    data: {
      object: {
        id: `sub_${customer.customerId}`,
        object: 'subscription',
        customer: customer.customerId,
        status: options.status ?? 'active',
        items: { data: [{ price: { id: options.price ?? LOCAL_STRIPE_PRO_PRICE } }] },
      },
    },
  };
}

function checkoutEvent(customer: Customer, created = nowSeconds()) {
  return {
    id: `evt_${unique()}`,
    object: 'event' as const,
    type: 'checkout.session.completed',
    created,
    data: {
      object: {
        id: `cs_${unique()}`,
        object: 'checkout.session',
        client_reference_id: customer.sub,
        customer: customer.customerId,
      },
    },
  };
}

const bodyOf = (event: unknown) => JSON.stringify(event, null, 2);

async function post(body: string, signature: string | undefined) {
  const response = await fetch(`${runtime.url}/webhooks/stripe`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(signature === undefined ? {} : { 'stripe-signature': signature }),
    },
    body,
  });
  const text = await response.text();
  return {
    status: response.status,
    contentType: response.headers.get('content-type'),
    json: text ? JSON.parse(text) : null,
  };
}

const deliver = (event: unknown) => {
  const body = bodyOf(event);
  return post(body, stripeSignatureHeader(body, SECRET, nowSeconds()));
};

async function me(sub: string) {
  const token = await runtime.issuer.mintAccessToken({ sub, scopes: [scope('profile')] });
  const response = await fetch(`${runtime.url}/me`, { headers: { authorization: `Bearer ${token}` } });
  expect(response.status).toBe(200);
  return { body: (await response.json()) as { sub: string; plan: string }, headers: response.headers };
}

async function linked(customer: Customer): Promise<Customer> {
  const response = await deliver(checkoutEvent(customer, nowSeconds() - 3600));
  expect(response.json).toMatchObject({ outcome: 'linked' });
  return customer;
}

describe('signature verification through the local gateway', () => {
  const customer = newCustomer();
  const body = bodyOf(subscriptionEvent(customer, { id: 'evt_signature_table' }));
  const t = nowSeconds();
  const valid = stripeV1(body, SECRET, t);

  it.each([
    ['missing header', body, undefined],
    ['no v1', body, `t=${t},v0=${valid}`],
    ['wrong secret', body, stripeSignatureHeader(body, 'whsec_not_the_local_secret', t)],
    [
      'tampered body (one byte)',
      body.replace(customer.customerId, `${customer.customerId.slice(0, -1)}x`),
      `t=${t},v1=${valid}`,
    ],
    ['body re-serialised (whitespace changed)', JSON.stringify(JSON.parse(body)), `t=${t},v1=${valid}`],
    ['timestamp older than the tolerance', body, stripeSignatureHeader(body, SECRET, t - 301)],
    ['non-numeric timestamp', body, `t=abc,v1=${stripeV1(body, SECRET, 'abc')}`],
    [
      'valid v1 for a different payload',
      body,
      stripeSignatureHeader(body.replace('evt_signature_table', 'evt_other'), SECRET, t),
    ],
  ])('%s → 400 problem+json and no write', async (_name, sent, signature) => {
    const before = await scan();
    const response = await post(sent, signature);
    expect(response.status).toBe(400);
    expect(response.contentType).toBe('application/problem+json');
    expect(response.json).toMatchObject({ type: 'urn:toolgate:problem:invalid-signature', status: 400 });
    expect(await scan()).toEqual(before);
  });

  it('accepts a header with two v1 signatures of which one is valid (secret rotation)', async () => {
    const signature = `t=${t},v1=${stripeV1(body, 'whsec_the_old_secret', t)},v1=${valid}`;
    const response = await post(body, signature);
    expect(response.status).toBe(200);
    expect(response.json).toMatchObject({ received: true, eventId: 'evt_signature_table', outcome: 'recorded' });
    expect(await find(stripeCustomerKey(customer.customerId))).toMatchObject({ plan: 'pro' });
  });

  it('answers 400 for malformed JSON with a valid signature, and 200 for an unknown type, writing nothing', async () => {
    const before = await scan();
    const malformed = '{"id":"evt_1",';
    expect((await post(malformed, stripeSignatureHeader(malformed, SECRET, nowSeconds()))).json).toMatchObject({
      status: 400,
      type: 'urn:toolgate:problem:bad-request',
    });
    const unknown = await deliver({ ...subscriptionEvent(newCustomer()), type: 'customer.created' });
    expect(unknown).toMatchObject({ status: 200, json: { outcome: 'ignored' } });
    expect(await scan()).toEqual(before);
  });
});

describe('plans from Stripe events', () => {
  it('after a pro subscription event, GET /me shows pro and the pro rate limits apply (sent like pnpm stripe:send)', async () => {
    const customer = newCustomer();
    const before = await me(customer.sub);
    expect(before.body.plan).toBe('free');
    expect(before.headers.get('ratelimit-limit')).toBe(String(DEFAULT_PLAN_LIMITS.free.requestsPerMinute.standard));

    const checkout = await sendStripeEvent({ fixture: 'checkout.session.completed', url: runtime.url, ...customer });
    expect(checkout).toMatchObject({ status: 200, response: { outcome: 'linked' } });
    const created = await sendStripeEvent({ fixture: 'customer.subscription.created', url: runtime.url, ...customer });
    expect(created).toMatchObject({ status: 200, response: { outcome: 'applied' } });

    const after = await me(customer.sub);
    expect(after.body).toMatchObject({ sub: customer.sub, plan: 'pro' });
    expect(after.headers.get('ratelimit-limit')).toBe(String(DEFAULT_PLAN_LIMITS.pro.requestsPerMinute.standard));
    // The limiter reads the plan from the same record billing wrote.
    const doc = createDocumentClient({ region: runtime.region });
    const limiter = createPlanRateLimiter({
      store: createUsageStore(doc, runtime.tableName),
      users: createUsersRepository(doc, runtime.tableName),
      plans: DEFAULT_PLAN_LIMITS,
    });
    const decision = await limiter.check(customer.sub, 'standard');
    expect(decision).toMatchObject({ plan: 'pro', limit: DEFAULT_PLAN_LIMITS.pro.requestsPerMinute.standard });
    doc.destroy();
  });

  it('keeps a subscription that arrives before its checkout on the customer, and applies it at the checkout', async () => {
    const customer = newCustomer();
    expect((await deliver(subscriptionEvent(customer))).json).toMatchObject({ outcome: 'recorded' });
    expect((await me(customer.sub)).body.plan).toBe('free');
    expect((await deliver(checkoutEvent(customer))).json).toMatchObject({ outcome: 'applied' });
    expect((await me(customer.sub)).body.plan).toBe('pro');
  });

  it('refuses to move a linked customer to another user', async () => {
    const customer = await linked(newCustomer());
    const intruder = { ...customer, sub: `user-${unique()}` };
    expect((await deliver(checkoutEvent(intruder))).json).toMatchObject({ outcome: 'conflict' });
    expect(await find(stripeCustomerKey(customer.customerId))).toMatchObject({ sub: customer.sub });
  });

  it('processes a duplicate delivery once: later copies are acknowledged as duplicates and change nothing', async () => {
    const customer = await linked(newCustomer());
    const body = bodyOf(subscriptionEvent(customer));
    const first = await post(body, stripeSignatureHeader(body, SECRET, nowSeconds()));
    expect(first.json).toMatchObject({ outcome: 'applied' });
    const user = await find(userKey(customer.sub));
    for (let copy = 0; copy < 2; copy += 1) {
      // Stripe re-signs each retry with a new timestamp; the event id is what identifies it.
      const again = await post(body, stripeSignatureHeader(body, SECRET, nowSeconds() - copy));
      expect(again).toMatchObject({ status: 200, json: { outcome: 'duplicate' } });
    }
    expect(await find(userKey(customer.sub))).toEqual(user);
  });

  it('processes 20 concurrent deliveries of one event exactly once', async () => {
    const customer = await linked(newCustomer());
    const event = subscriptionEvent(customer);
    const body = bodyOf(event);
    const responses = await Promise.all(
      Array.from({ length: 20 }, () => post(body, stripeSignatureHeader(body, SECRET, nowSeconds()))),
    );

    const applied = responses.filter((response) => response.json?.outcome === 'applied');
    expect(applied).toHaveLength(1);
    for (const response of responses) {
      // 409: another delivery holds the event. 500 with the gateway's own body: the webhook tier's reserved
      // concurrency (5) was full, which API Gateway answers as a throttled function; never the function's own 500.
      if (response.status === 500) expect(response.json).toEqual({ message: 'Internal Server Error' });
      else if (response.status !== 200) expect(response.status).toBe(409);
      else expect(['applied', 'duplicate']).toContain(response.json.outcome);
    }
    // Stripe retries whatever did not get a 2xx: every retry is now a duplicate.
    for (const _failed of responses.filter((response) => response.status !== 200)) {
      expect((await post(body, stripeSignatureHeader(body, SECRET, nowSeconds()))).json).toMatchObject({
        outcome: 'duplicate',
      });
    }
    expect(await find(stripeEventKey(event.id))).toMatchObject({ status: 'COMPLETED', outcome: 'applied' });
    expect(await find(userKey(customer.sub))).toMatchObject({ plan: 'pro', planEventId: event.id });
  });

  it('ends on the newest subscription.updated whatever the delivery order', async () => {
    const customer = await linked(newCustomer());
    const t = nowSeconds();
    const oldest = subscriptionEvent(customer, { created: t + 1, status: 'active' });
    const middle = subscriptionEvent(customer, { created: t + 2, status: 'past_due' });
    const newest = subscriptionEvent(customer, { created: t + 3, status: 'active' });
    const outcomes = [];
    for (const event of [newest, oldest, middle]) outcomes.push((await deliver(event)).json.outcome);
    expect(outcomes).toEqual(['applied', 'stale', 'stale']);
    expect(await find(userKey(customer.sub))).toMatchObject({
      plan: 'pro',
      planEventId: newest.id,
      planEventCreated: t + 3,
    });

    // And when the newest one is the downgrade.
    const other = await linked(newCustomer());
    const cancelled = subscriptionEvent(other, {
      created: t + 9,
      type: 'customer.subscription.deleted',
      status: 'canceled',
    });
    const renewed = subscriptionEvent(other, { created: t + 5, status: 'active' });
    expect((await deliver(cancelled)).json.outcome).toBe('applied');
    expect((await deliver(renewed)).json.outcome).toBe('stale');
    expect((await me(other.sub)).body.plan).toBe('free');
  });

  it('breaks a same-second tie towards the higher plan, in either delivery order', async () => {
    const t = nowSeconds();
    for (const order of ['free first', 'pro first']) {
      const customer = await linked(newCustomer());
      const free = subscriptionEvent(customer, {
        created: t,
        type: 'customer.subscription.deleted',
        status: 'canceled',
      });
      const pro = subscriptionEvent(customer, { created: t, status: 'active' });
      for (const event of order === 'free first' ? [free, pro] : [pro, free]) await deliver(event);
      expect((await me(customer.sub)).body.plan, order).toBe('pro');
    }
  });

  it('downgrades on a failed payment and restores on the next active subscription update', async () => {
    const customer = await linked(newCustomer());
    const t = nowSeconds();
    await deliver(subscriptionEvent(customer, { created: t }));
    const failed = await sendStripeEvent({
      fixture: 'invoice.payment_failed',
      url: runtime.url,
      customer: customer.customerId,
      created: t + 10,
    });
    expect(failed.response).toMatchObject({ outcome: 'applied', why: 'payment failed' });
    expect((await me(customer.sub)).body.plan).toBe('free');
    await sendStripeEvent({
      fixture: 'customer.subscription.updated',
      url: runtime.url,
      customer: customer.customerId,
      created: t + 20,
    });
    expect((await me(customer.sub)).body.plan).toBe('pro');
  });
});

/** Every order of `items` (n! of them). */
function permutations<T>(items: readonly T[]): T[][] {
  if (items.length <= 1) return [[...items]];
  return items.flatMap((item, index) =>
    permutations([...items.slice(0, index), ...items.slice(index + 1)]).map((rest) => [item, ...rest]),
  );
}

/**
 * Issue 20.4: a user can end up with two Stripe customers (a second checkout under another email). The newest event
 * used to win whichever customer it came from, so a newer `incomplete_expired` on the second customer downgraded a
 * user whose first customer's subscription was active. The plan is the best any linked customer grants.
 */
describe('one user, two Stripe customers', () => {
  const twoCustomers = () => {
    const first = newCustomer();
    return { first, second: { sub: first.sub, customerId: `cus_${unique()}` } };
  };

  it('keeps the best active entitlement across the customers, in every delivery order of the events', async () => {
    const t = nowSeconds();
    const orders = permutations(['checkout first', 'checkout second', 'first active', 'second expired'] as const);
    expect(orders).toHaveLength(24);
    // One order at a time: the webhook tier's reserved concurrency (5) is part of the runtime.
    for (const order of orders) {
      const { first, second } = twoCustomers();
      const events = {
        'checkout first': checkoutEvent(first, t - 3600),
        'checkout second': checkoutEvent(second, t - 3000),
        'first active': subscriptionEvent(first, { created: t + 1, status: 'active' }),
        'second expired': subscriptionEvent(second, { created: t + 2, status: 'incomplete_expired' }),
      };
      for (const name of order) expect((await deliver(events[name])).status, name).toBe(200);
      expect((await me(first.sub)).body.plan, order.join(', ')).toBe('pro');
      expect(await find(userKey(first.sub))).toMatchObject({
        plan: 'pro',
        stripeCustomers: {
          [first.customerId]: { plan: 'pro', eventCreated: t + 1 },
          [second.customerId]: { plan: 'free', eventCreated: t + 2 },
        },
      });
    }
  });

  it('drops to free only when no customer grants more, and follows each customer by its own newest event', async () => {
    const { first, second } = twoCustomers();
    await linked(first);
    await linked(second);
    const t = nowSeconds();
    await deliver(subscriptionEvent(first, { created: t + 1, status: 'active' }));
    await deliver(subscriptionEvent(second, { created: t + 2, status: 'active' }));
    await deliver(subscriptionEvent(second, { created: t + 3, type: 'customer.subscription.deleted' }));
    expect((await me(first.sub)).body.plan).toBe('pro');
    // An older event of the first customer is stale for it, even though it is newer than nothing of the second.
    expect((await deliver(subscriptionEvent(first, { created: t, status: 'canceled' }))).json.outcome).toBe('stale');
    expect((await me(first.sub)).body.plan).toBe('pro');
    await deliver(subscriptionEvent(first, { created: t + 4, status: 'past_due' }));
    expect((await me(first.sub)).body.plan).toBe('free');
  });

  it("loses neither customer's state when their events are processed at the same time", async () => {
    const t = nowSeconds();
    for (let round = 0; round < 6; round++) {
      const { first, second } = twoCustomers();
      await linked(first);
      await linked(second);
      await Promise.all([
        deliver(subscriptionEvent(first, { created: t + 1, status: 'active' })),
        deliver(subscriptionEvent(second, { created: t + 2, status: 'incomplete_expired' })),
      ]);
      expect((await me(first.sub)).body.plan).toBe('pro');
    }
  });
});

describe('the delivery ledger (DynamoDB conditional writes)', () => {
  it('lets a retry process an event whose first attempt failed after the marker was written', async () => {
    const customer = await linked(newCustomer());
    const doc = createDocumentClient({ region: runtime.region });
    const store = createBillingStore(doc, runtime.tableName);
    let failNext = true;
    const flaky = {
      ...store,
      applyUserPlan: async (...args: Parameters<typeof store.applyUserPlan>) => {
        if (failNext) {
          failNext = false;
          throw new Error('simulated DynamoDB outage');
        }
        return store.applyUserPlan(...args);
      },
    };
    const processor = createStripeWebhookProcessor({ store: flaky, prices: { [LOCAL_STRIPE_PRO_PRICE]: 'pro' } });
    const event = subscriptionEvent(customer);

    await expect(processor.process(event)).rejects.toThrow(/simulated/);
    expect(await find(stripeEventKey(event.id))).toBeUndefined();
    expect(await processor.process(event)).toMatchObject({ outcome: 'applied' });
    expect(await processor.process(event)).toMatchObject({ outcome: 'duplicate' });
    expect((await me(customer.sub)).body.plan).toBe('pro');
    doc.destroy();
  });

  it('lets a delivery take over the lease of one that crashed, and forgets ids after the retention', async () => {
    const doc = createDocumentClient({ region: runtime.region });
    const store = createBillingStore(doc, runtime.tableName, { leaseMs: 30_000, retentionSeconds: 3600 });
    const event = { id: `evt_${unique()}`, type: 'customer.subscription.updated' };
    const t0 = Date.now();

    const first = await store.takeEvent(event, t0);
    expect(first.taken).toBe(true);
    // The first holder "crashed": no complete, no release.
    expect(await store.takeEvent(event, t0 + 1_000)).toEqual({ taken: false, status: 'in-progress' });
    const second = await store.takeEvent(event, t0 + 31_000);
    expect(second.taken).toBe(true);
    // The crashed holder's late completion cannot overwrite the new holder's claim.
    if (first.taken && second.taken) {
      await store.completeEvent(event.id, first.token, 'applied', t0 + 32_000);
      expect(await find(stripeEventKey(event.id))).toMatchObject({ status: 'IN_PROGRESS', token: second.token });
      await store.completeEvent(event.id, second.token, 'applied', t0 + 33_000);
    }
    expect(await store.takeEvent(event, t0 + 40_000)).toEqual({ taken: false, status: 'completed' });
    // Expired records can linger (DynamoDB deletes late, dynalite never): they count as gone.
    // (The record's retention counts from the last claim, at t0 + 31 s.)
    expect((await store.takeEvent(event, t0 + 31_000 + 3_601_000)).taken).toBe(true);
    doc.destroy();
  });
});

describe('direct invocation of the webhook Lambda', () => {
  it('processes a base64-encoded body (as API Gateway sends non-text payloads)', async () => {
    const { handler } = await import('@toolgate/functions/handlers/webhook');
    const customer = await linked(newCustomer());
    const body = bodyOf(subscriptionEvent(customer));
    const result = await handler(
      apiGatewayEvent('POST', '/webhooks/stripe', {
        headers: {
          'content-type': 'application/json',
          'stripe-signature': stripeSignatureHeader(body, SECRET, nowSeconds()),
        },
        body: Buffer.from(body, 'utf8').toString('base64'),
        isBase64Encoded: true,
      }),
      lambdaContext('toolgate-local-webhook'),
    );
    expect(result.statusCode).toBe(200);
    expect(JSON.parse(result.body)).toMatchObject({ outcome: 'applied' });
    expect((await me(customer.sub)).body.plan).toBe('pro');
  });
});
