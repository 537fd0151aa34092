import { HANDLED_EVENT_TYPES, StripeEventSchema } from '@toolgate/core/billing/events';
import { decide } from '@toolgate/core/billing/rules';
import { LOCAL_STRIPE_PRICES, LOCAL_STRIPE_WEBHOOK_SECRET } from '@toolgate/core/config-reader';
import { createStripeSignatureVerifier } from '@toolgate/functions/billing/stripe-signature';
import { describe, expect, it } from 'vitest';
import { listStripeFixtures, loadStripeFixture, prepareStripeDelivery } from './stripe-send';

const verifier = createStripeSignatureVerifier({ secret: LOCAL_STRIPE_WEBHOOK_SECRET, toleranceSeconds: 300 });

describe('pnpm stripe:send', () => {
  it('has a fixture for every event type billing handles', async () => {
    expect(await listStripeFixtures()).toEqual(expect.arrayContaining([...HANDLED_EVENT_TYPES]));
  });

  it.each([
    ['checkout.session.completed', { kind: 'link', customerId: 'cus_toolgate_local', sub: 'local-user' }],
    ['customer.subscription.created', { kind: 'plan', plan: 'pro' }],
    ['customer.subscription.updated', { kind: 'plan', plan: 'pro' }],
    ['customer.subscription.deleted', { kind: 'plan', plan: 'free' }],
    ['invoice.payment_failed', { kind: 'plan', plan: 'free' }],
  ])('%s: signs a delivery the webhook verifies, and the local prices map it as documented', async (name, expected) => {
    const delivery = prepareStripeDelivery(await loadStripeFixture(name));
    const event = StripeEventSchema.parse(await verifier.verify(delivery.body, delivery.signature));
    expect(event.type).toBe(name);
    expect(decide(event as Parameters<typeof decide>[0], LOCAL_STRIPE_PRICES)).toMatchObject(expected);
  });

  it('sends a fresh event each time unless replaying, and applies --sub, --customer and --created', async () => {
    const fixture = await loadStripeFixture('checkout.session.completed');
    const a = prepareStripeDelivery(fixture);
    const b = prepareStripeDelivery(fixture);
    expect(a.event.id).not.toBe(b.event.id);
    expect(a.event.id).toMatch(/^evt_local_[0-9a-f]+$/);
    expect(prepareStripeDelivery(fixture, { replay: true }).event).toMatchObject({
      id: fixture.id,
      created: fixture.created,
    });

    const custom = prepareStripeDelivery(fixture, { sub: 'user-b', customer: 'cus_b', created: 1_800_000_000 });
    expect(custom.event.created).toBe(1_800_000_000);
    expect(custom.event.data.object).toMatchObject({ client_reference_id: 'user-b', customer: 'cus_b' });
    expect(fixture.data.object).toMatchObject({ client_reference_id: 'local-user' });
  });

  it('signs with --secret when given (and the local secret then no longer verifies)', async () => {
    const delivery = prepareStripeDelivery(await loadStripeFixture('customer.subscription.created'), {
      secret: 'whsec_another',
    });
    await expect(verifier.verify(delivery.body, delivery.signature)).rejects.toMatchObject({
      slug: 'invalid-signature',
    });
  });
});
