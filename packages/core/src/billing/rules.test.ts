import { describe, expect, it } from 'vitest';
import { ValidationError } from '../errors';
import type { HandledEventType, StripeEvent } from './events';
import { decide, type PriceMap, planForPrices } from './rules';

const PRO = 'price_pro_monthly';
const prices: PriceMap = { [PRO]: 'pro', price_free_tier: 'free' };

const event = (type: HandledEventType, object: Record<string, unknown>): StripeEvent & { type: HandledEventType } => ({
  id: 'evt_1',
  object: 'event',
  type,
  created: 1_700_000_000,
  data: { object },
});

const subscription = (status: string, priceIds: string[] = [PRO], customer: unknown = 'cus_1') => ({
  id: 'sub_1',
  object: 'subscription',
  customer,
  status,
  items: { data: priceIds.map((id) => ({ id: `si_${id}`, price: { id } })) },
});

describe('billing rules', () => {
  it('links the checkout customer to the client_reference_id user', () => {
    expect(
      decide(
        event('checkout.session.completed', { id: 'cs_1', client_reference_id: 'user-a', customer: 'cus_1' }),
        prices,
      ),
    ).toEqual({ kind: 'link', customerId: 'cus_1', sub: 'user-a' });
  });

  it.each([
    ['no client_reference_id', { id: 'cs_1', client_reference_id: null, customer: 'cus_1' }],
    ['no customer', { id: 'cs_1', client_reference_id: 'user-a', customer: null }],
    ['a client_reference_id that is no user id', { id: 'cs_1', client_reference_id: '../USER#x', customer: 'cus_1' }],
  ])('ignores a checkout with %s', (_name, object) => {
    expect(decide(event('checkout.session.completed', object), prices).kind).toBe('ignore');
  });

  it.each([
    ['active', 'pro'],
    ['trialing', 'pro'],
    ['past_due', 'free'],
    ['unpaid', 'free'],
    ['canceled', 'free'],
    ['incomplete_expired', 'free'],
    ['paused', 'free'],
    ['a_status_stripe_adds_later', 'free'],
  ])('maps a %s subscription with a configured price to %s', (status, plan) => {
    for (const type of ['customer.subscription.created', 'customer.subscription.updated'] as const) {
      expect(decide(event(type, subscription(status)), prices)).toMatchObject({
        kind: 'plan',
        customerId: 'cus_1',
        plan,
      });
    }
  });

  it('changes nothing for an incomplete subscription (first payment pending)', () => {
    expect(decide(event('customer.subscription.created', subscription('incomplete')), prices).kind).toBe('ignore');
  });

  it('maps a deleted subscription to free, whatever its status says', () => {
    expect(decide(event('customer.subscription.deleted', subscription('active')), prices)).toMatchObject({
      kind: 'plan',
      plan: 'free',
    });
  });

  it('ignores subscriptions to prices that are not configured (another product on the same account)', () => {
    for (const type of ['customer.subscription.updated', 'customer.subscription.deleted'] as const) {
      expect(decide(event(type, subscription('active', ['price_other'])), prices).kind).toBe('ignore');
    }
  });

  it('takes the highest plan among the items, and accepts an expanded customer object', () => {
    const decision = decide(
      event('customer.subscription.updated', subscription('active', ['price_free_tier', PRO], { id: 'cus_9' })),
      prices,
    );
    expect(decision).toMatchObject({ plan: 'pro', customerId: 'cus_9' });
  });

  it('maps a failed subscription payment to free, for both invoice shapes (before and after 2025-03-31)', () => {
    const legacy = { id: 'in_1', customer: 'cus_1', subscription: 'sub_1', lines: { data: [{ price: { id: PRO } }] } };
    const basil = {
      id: 'in_2',
      customer: 'cus_1',
      parent: { subscription_details: { subscription: 'sub_1' } },
      lines: { data: [{ pricing: { price_details: { price: PRO } } }] },
    };
    const reasonOnly = { id: 'in_3', customer: 'cus_1', billing_reason: 'subscription_cycle' };
    for (const invoice of [legacy, basil, reasonOnly]) {
      expect(decide(event('invoice.payment_failed', invoice), prices)).toMatchObject({ kind: 'plan', plan: 'free' });
    }
  });

  it('ignores failed payments that are not for a toolgate subscription', () => {
    const oneOff = { id: 'in_1', customer: 'cus_1', billing_reason: 'manual' };
    const otherProduct = {
      id: 'in_2',
      customer: 'cus_1',
      subscription: 'sub_9',
      lines: { data: [{ price: { id: 'price_other' } }] },
    };
    expect(decide(event('invoice.payment_failed', oneOff), prices).kind).toBe('ignore');
    expect(decide(event('invoice.payment_failed', otherProduct), prices).kind).toBe('ignore');
  });

  it('rejects a handled event whose object lacks what its rule needs, naming the field', () => {
    const broken = { id: 'sub_1', customer: 'cus_1', status: 'active' };
    expect(() => decide(event('customer.subscription.updated', broken), prices)).toThrow(ValidationError);
    try {
      decide(event('customer.subscription.updated', broken), prices);
    } catch (error) {
      expect((error as ValidationError).issues[0]?.field).toBe('body.data.object.items');
    }
  });

  it('planForPrices ignores inherited keys', () => {
    expect(planForPrices(['toString', '__proto__'], prices)).toBeUndefined();
  });
});
