import { type FieldIssue, ValidationError } from '../errors';
import { PLANS, type Plan } from '../plans';
import * as z from '../zod';
import {
  CheckoutSessionSchema,
  type HandledEventType,
  InvoiceSchema,
  type StripeEvent,
  SubscriptionSchema,
} from './events';

/**
 * What a Stripe event means for toolgate, decided from the event alone (no I/O), so every rule is a unit test.
 *
 * The rules (docs/billing.md repeats them for operators):
 * - `checkout.session.completed` links the Stripe customer to the user named by `client_reference_id`.
 * - `customer.subscription.created|updated`: an `active` or `trialing` subscription grants the highest plan its
 *   configured prices map to; `incomplete` (first payment still pending) changes nothing; every other status
 *   (`past_due`, `unpaid`, `canceled`, `incomplete_expired`, `paused`, and any status Stripe adds later) is `free`.
 * - `customer.subscription.deleted` → `free`.
 * - `invoice.payment_failed` on a subscription invoice → `free` (no grace period; the next successful payment
 *   sends `customer.subscription.updated` with `active`, which restores the plan).
 * - A subscription (or invoice) none of whose prices is configured is not a toolgate plan: ignored, so that an
 *   unrelated product on the same Stripe account never touches plans.
 */
export type BillingDecision =
  | { kind: 'link'; customerId: string; sub: string }
  | { kind: 'plan'; customerId: string; plan: Plan; why: string }
  | { kind: 'ignore'; why: string };

/** Stripe price id → plan, per stage (config `stripePrices`). */
export type PriceMap = Readonly<Record<string, Plan>>;

/** `client_reference_id` is ours (a token `sub`), but it travels through Stripe: accept only what a sub looks like. */
const SUB_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:@|+-]{0,199}$/;

const GRANTING_STATUSES = new Set(['active', 'trialing']);

function parseObject<S extends z.core.$ZodType>(schema: S, event: StripeEvent): z.output<S> {
  const result = z.safeParse(schema, event.data.object);
  if (result.success) return result.data;
  const issues: FieldIssue[] = result.error.issues.map((issue) => ({
    field: ['body', 'data', 'object', ...issue.path.map(String)].join('.'),
    message: issue.message,
  }));
  throw new ValidationError(issues);
}

/** The highest plan any of `priceIds` maps to, or undefined when none is configured. */
export function planForPrices(priceIds: readonly string[], prices: PriceMap): Plan | undefined {
  let best: Plan | undefined;
  for (const id of priceIds) {
    const plan = Object.hasOwn(prices, id) ? prices[id] : undefined;
    if (plan && (best === undefined || PLANS.indexOf(plan) > PLANS.indexOf(best))) best = plan;
  }
  return best;
}

function decideSubscription(event: StripeEvent, prices: PriceMap): BillingDecision {
  const subscription = parseObject(SubscriptionSchema, event);
  const granted = planForPrices(
    subscription.items.data.map((item) => item.price.id),
    prices,
  );
  if (!granted) return { kind: 'ignore', why: 'no configured price on the subscription' };
  const customerId = subscription.customer;
  if (event.type === 'customer.subscription.deleted') {
    return { kind: 'plan', customerId, plan: 'free', why: 'subscription deleted' };
  }
  if (subscription.status === 'incomplete') return { kind: 'ignore', why: 'first payment pending' };
  if (GRANTING_STATUSES.has(subscription.status)) {
    return { kind: 'plan', customerId, plan: granted, why: `subscription ${subscription.status}` };
  }
  return { kind: 'plan', customerId, plan: 'free', why: `subscription ${subscription.status}` };
}

function decideInvoiceFailed(event: StripeEvent, prices: PriceMap): BillingDecision {
  const invoice = parseObject(InvoiceSchema, event);
  if (!invoice.customer) return { kind: 'ignore', why: 'invoice without customer' };
  const forSubscription =
    Boolean(invoice.subscription) ||
    Boolean(invoice.parent?.subscription_details?.subscription) ||
    (invoice.billing_reason?.startsWith('subscription') ?? false);
  if (!forSubscription) return { kind: 'ignore', why: 'not a subscription invoice' };
  const linePrices = (invoice.lines?.data ?? []).flatMap((line) => {
    const id = line.price?.id ?? line.pricing?.price_details?.price;
    return id ? [id] : [];
  });
  // Lines are not always included (large invoices are paginated); only when they name prices can we tell.
  if (linePrices.length > 0 && !planForPrices(linePrices, prices)) {
    return { kind: 'ignore', why: 'no configured price on the invoice' };
  }
  return { kind: 'plan', customerId: invoice.customer, plan: 'free', why: 'payment failed' };
}

function decideCheckout(event: StripeEvent): BillingDecision {
  const session = parseObject(CheckoutSessionSchema, event);
  if (!session.customer) return { kind: 'ignore', why: 'checkout without customer' };
  const sub = session.client_reference_id;
  if (!sub) return { kind: 'ignore', why: 'checkout without client_reference_id' };
  if (!SUB_PATTERN.test(sub)) return { kind: 'ignore', why: 'client_reference_id is not a user id' };
  return { kind: 'link', customerId: session.customer, sub };
}

/** Throws `ValidationError` (400) when a handled event's object does not have the fields its rule needs. */
export function decide(event: StripeEvent & { type: HandledEventType }, prices: PriceMap): BillingDecision {
  switch (event.type) {
    case 'checkout.session.completed':
      return decideCheckout(event);
    case 'customer.subscription.created':
    case 'customer.subscription.updated':
    case 'customer.subscription.deleted':
      return decideSubscription(event, prices);
    case 'invoice.payment_failed':
      return decideInvoiceFailed(event, prices);
    default: {
      const unhandled: never = event.type;
      throw new Error(`billing: no rule for ${unhandled}`);
    }
  }
}
