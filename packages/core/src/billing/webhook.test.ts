import { describe, expect, it, vi } from 'vitest';
import { ConflictError, ValidationError } from '../errors';
import { recordingMetrics } from '../testing/metrics';
import type { BillingStore, TakeEventResult } from './aws/store';
import type { StripeEvent } from './events';
import { createStripeWebhookProcessor } from './webhook';

/**
 * The processor's orchestration with a scripted store: what is taken, applied, completed and released. The
 * store's own conditions (order, ties, leases) are exercised against DynamoDB (dynalite) in tests/billing.test.ts.
 */
function scriptedStore(overrides: Partial<BillingStore> = {}) {
  const store: BillingStore = {
    takeEvent: vi.fn(async (): Promise<TakeEventResult> => ({ taken: true, token: 't1' })),
    completeEvent: vi.fn(async () => undefined),
    releaseEvent: vi.fn(async () => undefined),
    recordCustomerPlan: vi.fn(async () => ({ recorded: true, sub: 'user-a' })),
    linkCustomer: vi.fn(async () => ({ linked: true as const })),
    applyUserPlan: vi.fn(async () => true),
    ...overrides,
  };
  return store;
}

const PRO = 'price_pro';
const subscriptionEvent = (status = 'active', id = 'evt_sub'): StripeEvent => ({
  id,
  object: 'event',
  type: 'customer.subscription.updated',
  created: 1_700_000_100,
  data: { object: { id: 'sub_1', customer: 'cus_1', status, items: { data: [{ price: { id: PRO } }] } } },
});
const checkoutEvent: StripeEvent = {
  id: 'evt_checkout',
  object: 'event',
  type: 'checkout.session.completed',
  created: 1_700_000_000,
  data: { object: { id: 'cs_1', client_reference_id: 'user-a', customer: 'cus_1' } },
};

const processorWith = (store: BillingStore) =>
  createStripeWebhookProcessor({ store, prices: { [PRO]: 'pro' }, now: () => 1_700_000_200_000 });

describe('stripe webhook processor', () => {
  it('counts each processed delivery by its outcome, and a refused one not at all', async () => {
    const metrics = recordingMetrics();
    const processor = createStripeWebhookProcessor({ store: scriptedStore(), prices: { [PRO]: 'pro' }, metrics });
    await processor.process(subscriptionEvent());
    await processor.process({ ...subscriptionEvent(), type: 'invoice.created' });
    const busy = scriptedStore({
      takeEvent: vi.fn(async (): Promise<TakeEventResult> => ({ taken: false, status: 'in-progress' })),
    });
    await expect(
      createStripeWebhookProcessor({ store: busy, prices: { [PRO]: 'pro' }, metrics }).process(subscriptionEvent()),
    ).rejects.toThrow(ConflictError);
    expect(metrics.records).toEqual([
      { name: 'Webhooks', value: 1, dimensions: { outcome: 'applied' } },
      { name: 'Webhooks', value: 1, dimensions: { outcome: 'ignored' } },
    ]);
  });

  it('takes the event, records the customer plan, applies it to the linked user and completes the event', async () => {
    const store = scriptedStore();
    const result = await processorWith(store).process(subscriptionEvent());
    expect(result).toEqual({ eventId: 'evt_sub', outcome: 'applied', why: 'subscription active' });
    const state = { plan: 'pro', eventId: 'evt_sub', eventCreated: 1_700_000_100 };
    expect(store.recordCustomerPlan).toHaveBeenCalledWith('cus_1', state, 1_700_000_200_000);
    expect(store.applyUserPlan).toHaveBeenCalledWith('user-a', 'cus_1', state, 1_700_000_200_000);
    expect(store.completeEvent).toHaveBeenCalledWith('evt_sub', 't1', 'applied', 1_700_000_200_000);
    expect(store.releaseEvent).not.toHaveBeenCalled();
  });

  it('stores the plan on the customer only, until a checkout links it', async () => {
    const store = scriptedStore({ recordCustomerPlan: vi.fn(async () => ({ recorded: true })) });
    expect((await processorWith(store).process(subscriptionEvent())).outcome).toBe('recorded');
    expect(store.applyUserPlan).not.toHaveBeenCalled();
  });

  it('reports an older event as stale and touches no user', async () => {
    const store = scriptedStore({ recordCustomerPlan: vi.fn(async () => ({ recorded: false })) });
    expect((await processorWith(store).process(subscriptionEvent())).outcome).toBe('stale');
    expect(store.applyUserPlan).not.toHaveBeenCalled();
    expect(store.completeEvent).toHaveBeenCalled();
  });

  it('on checkout, links the customer and applies the plan stored before the link', async () => {
    const state = { plan: 'pro' as const, eventId: 'evt_sub', eventCreated: 1_700_000_100 };
    const store = scriptedStore({ linkCustomer: vi.fn(async () => ({ linked: true as const, state })) });
    expect((await processorWith(store).process(checkoutEvent)).outcome).toBe('applied');
    expect(store.linkCustomer).toHaveBeenCalledWith('cus_1', 'user-a', expect.any(Number));
    expect(store.applyUserPlan).toHaveBeenCalledWith('user-a', 'cus_1', state, expect.any(Number));
  });

  it('refuses to re-link a customer that belongs to another user', async () => {
    const store = scriptedStore({ linkCustomer: vi.fn(async () => ({ linked: false as const })) });
    expect((await processorWith(store).process(checkoutEvent)).outcome).toBe('conflict');
    expect(store.applyUserPlan).not.toHaveBeenCalled();
  });

  it('answers a processed event id as a duplicate without applying anything', async () => {
    const store = scriptedStore({
      takeEvent: vi.fn(async () => ({ taken: false as const, status: 'completed' as const })),
    });
    expect(await processorWith(store).process(subscriptionEvent())).toEqual({
      eventId: 'evt_sub',
      outcome: 'duplicate',
    });
    expect(store.recordCustomerPlan).not.toHaveBeenCalled();
  });

  it('answers 409 (Stripe retries) while another delivery holds the event', async () => {
    const store = scriptedStore({
      takeEvent: vi.fn(async () => ({ taken: false as const, status: 'in-progress' as const })),
    });
    await expect(processorWith(store).process(subscriptionEvent())).rejects.toBeInstanceOf(ConflictError);
    expect(store.recordCustomerPlan).not.toHaveBeenCalled();
  });

  it('gives the lease back when processing fails, so that the retry processes the event', async () => {
    const failure = new Error('DynamoDB is down');
    const store = scriptedStore({ applyUserPlan: vi.fn(async () => Promise.reject(failure)) });
    await expect(processorWith(store).process(subscriptionEvent())).rejects.toBe(failure);
    expect(store.releaseEvent).toHaveBeenCalledWith('evt_sub', 't1');
    expect(store.completeEvent).not.toHaveBeenCalled();
  });

  it('writes nothing for unknown event types, ignored objects or malformed objects', async () => {
    const store = scriptedStore();
    const processor = processorWith(store);
    expect(await processor.process({ ...subscriptionEvent(), type: 'customer.created' })).toMatchObject({
      outcome: 'ignored',
    });
    expect((await processor.process(subscriptionEvent('incomplete'))).outcome).toBe('ignored');
    const malformed = { ...subscriptionEvent(), data: { object: { id: 'sub_1' } } };
    await expect(processor.process(malformed)).rejects.toBeInstanceOf(ValidationError);
    expect(store.takeEvent).not.toHaveBeenCalled();
  });

  it('validates its options when built', () => {
    expect(() => createStripeWebhookProcessor({ store: null as never, prices: {} })).toThrow(/store/);
  });
});
