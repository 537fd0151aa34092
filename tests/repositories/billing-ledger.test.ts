import { randomUUID } from 'node:crypto';
import { createBillingStore, stripeEventKey } from '@toolgate/core/billing/aws/store';
import { TEST_EPOCH_MS } from '@toolgate/core/testing/clock';
import { putItem } from '@toolgate/local/testing/dynalite';
import { describe, expect, it } from 'vitest';
import { useDynaliteTable } from '../support/dynalite';

/**
 * The Stripe delivery ledger's lease (data/lease.ts) against DynamoDB on dynalite. There is no in-memory billing
 * store to hold to the same cases (the webhook's unit tests script the store's answers), so this runs once.
 */
const table = useDynaliteTable();
const store = () => createBillingStore(table().doc, table().tableName, { leaseMs: 30_000, retentionSeconds: 3600 });
const event = () => ({ id: `evt_${randomUUID()}`, type: 'customer.subscription.updated' });
const t0 = TEST_EPOCH_MS;

describe('billing store: the delivery ledger on dynalite', () => {
  it('lets one delivery hold the lease, another take it over once it ran out, and only the holder finish it', async () => {
    const ledger = store();
    const delivery = event();
    const first = await ledger.takeEvent(delivery, t0);
    expect(first.taken).toBe(true);
    expect(await ledger.takeEvent(delivery, t0 + 29_999)).toEqual({ taken: false, status: 'in-progress' });
    const second = await ledger.takeEvent(delivery, t0 + 30_001);
    if (!first.taken || !second.taken) throw new Error('expected both claims');
    await ledger.releaseEvent(delivery.id, first.token);
    await ledger.completeEvent(delivery.id, first.token, 'applied', t0 + 30_002);
    expect(await ledger.takeEvent(delivery, t0 + 30_003)).toEqual({ taken: false, status: 'in-progress' });
    await ledger.completeEvent(delivery.id, second.token, 'applied', t0 + 30_004);
    expect(await ledger.takeEvent(delivery, t0 + 90_000)).toEqual({ taken: false, status: 'completed' });
  });

  it('gives the lease back on release, so that the next delivery processes the event', async () => {
    const ledger = store();
    const delivery = event();
    const claim = await ledger.takeEvent(delivery, t0);
    if (!claim.taken) throw new Error('expected a claim');
    await ledger.releaseEvent(delivery.id, claim.token);
    expect((await ledger.takeEvent(delivery, t0 + 1)).taken).toBe(true);
  });

  it('takes over a claim written before leases had `leaseUntil` (its holder can be gone for good)', async () => {
    const delivery = event();
    await putItem(table(), {
      ...stripeEventKey(delivery.id),
      status: 'IN_PROGRESS',
      token: 'old-holder',
      leaseExpiresAt: t0 + 30_000,
      expiresAt: Math.floor(t0 / 1000) + 3600,
    });
    expect((await store().takeEvent(delivery, t0)).taken).toBe(true);
  });
});

describe('billing store: order-safe plan writes on dynalite', () => {
  const customer = () => `cus_${randomUUID()}`;
  const state = (plan: 'free' | 'pro', eventCreated: number, eventId = `evt_${randomUUID()}`) => ({
    plan,
    eventId,
    eventCreated,
  });

  it("stores a customer's plan unless a newer event's is stored; a same-second tie goes to the higher plan", async () => {
    const ledger = store();
    const id = customer();
    expect(await ledger.recordCustomerPlan(id, state('pro', 100), t0)).toEqual({ recorded: true });
    expect(await ledger.recordCustomerPlan(id, state('free', 99), t0)).toEqual({ recorded: false });
    expect(await ledger.recordCustomerPlan(id, state('free', 100), t0)).toEqual({ recorded: false });
    const same = state('pro', 101);
    expect(await ledger.recordCustomerPlan(id, same, t0)).toEqual({ recorded: true });
    expect(await ledger.recordCustomerPlan(id, same, t0)).toEqual({ recorded: true });
    expect(await ledger.recordCustomerPlan(id, state('free', 102), t0)).toEqual({ recorded: true });
    expect(await ledger.recordCustomerPlan(id, state('pro', 102), t0)).toEqual({ recorded: true });
  });

  it('links a customer to its first user only, and hands back the plan stored before the link', async () => {
    const ledger = store();
    const id = customer();
    const stored = state('pro', 100);
    await ledger.recordCustomerPlan(id, stored, t0);
    expect(await ledger.linkCustomer(id, 'user-a', t0)).toEqual({ linked: true, state: stored });
    expect(await ledger.linkCustomer(id, 'user-a', t0)).toMatchObject({ linked: true });
    expect(await ledger.linkCustomer(id, 'user-b', t0)).toEqual({ linked: false });
    expect(await ledger.recordCustomerPlan(id, state('free', 101), t0)).toEqual({ recorded: true, sub: 'user-a' });
  });

  it("sets the user's plan to the best one of the user's customers, refusing a stale state", async () => {
    const ledger = store();
    const sub = `user-${randomUUID()}`;
    const [first, second] = [customer(), customer()];
    expect(await ledger.applyUserPlan(sub, first, state('pro', 100), t0)).toBe(true);
    expect(await ledger.applyUserPlan(sub, second, state('free', 200), t0)).toBe(true);
    expect(await ledger.applyUserPlan(sub, first, state('free', 99), t0)).toBe(false);
    expect(await ledger.applyUserPlan(sub, first, state('free', 300), t0)).toBe(true);
  });
});
