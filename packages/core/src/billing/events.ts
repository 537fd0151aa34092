import * as z from '../zod';

/**
 * The parts of Stripe's webhook payloads that billing reads, as zod schemas. Only the fields used are declared
 * (unknown ones are dropped), so a new Stripe API version that adds fields changes nothing here, and one that
 * moves a field we need fails loudly at the boundary instead of silently granting or revoking a plan.
 */

const StripeId = z.string().check(z.minLength(1), z.maxLength(255));

/** Stripe sends related objects as ids unless expanded; accept both and keep the id. */
const Expandable = z.pipe(
  z.union([StripeId, z.object({ id: StripeId })]),
  z.transform((value) => (typeof value === 'string' ? value : value.id)),
);

export const StripeEventSchema = z.object({
  id: z.string().check(z.maxLength(255), z.regex(/^evt_[A-Za-z0-9_]+$/, 'must be a Stripe event id (evt_...)')),
  object: z.literal('event'),
  type: z.string().check(z.minLength(1), z.maxLength(200)),
  /** Epoch seconds when Stripe created the event: the order of events, since delivery order is not guaranteed. */
  created: z.int().check(z.nonnegative()),
  data: z.object({ object: z.record(z.string(), z.unknown()) }),
});
export type StripeEvent = z.infer<typeof StripeEventSchema>;

export const CheckoutSessionSchema = z.object({
  id: StripeId,
  /** Set by toolgate when it creates the session: the verified `sub` of the user who checks out. */
  client_reference_id: z.nullish(z.string()),
  customer: z.nullish(Expandable),
});

export const SubscriptionSchema = z.object({
  id: StripeId,
  customer: Expandable,
  status: z.string().check(z.minLength(1)),
  items: z.object({ data: z.array(z.object({ price: z.object({ id: StripeId }) })) }),
});

const InvoiceLineSchema = z.object({
  /** API versions before 2025-03-31. */
  price: z.nullish(z.object({ id: StripeId })),
  /** API versions from 2025-03-31 (basil) on. */
  pricing: z.nullish(z.object({ price_details: z.nullish(z.object({ price: Expandable })) })),
});

export const InvoiceSchema = z.object({
  id: StripeId,
  customer: z.nullish(Expandable),
  billing_reason: z.nullish(z.string()),
  /** API versions before 2025-03-31. */
  subscription: z.nullish(Expandable),
  /** API versions from 2025-03-31 on. */
  parent: z.nullish(z.object({ subscription_details: z.nullish(z.object({ subscription: Expandable })) })),
  lines: z.nullish(z.object({ data: z.array(InvoiceLineSchema) })),
});

/** The event types billing acts on; every other type is acknowledged and ignored without a write. */
export const HANDLED_EVENT_TYPES = [
  'checkout.session.completed',
  'customer.subscription.created',
  'customer.subscription.updated',
  'customer.subscription.deleted',
  'invoice.payment_failed',
] as const;
export type HandledEventType = (typeof HANDLED_EVENT_TYPES)[number];

export function isHandledEventType(type: string): type is HandledEventType {
  return (HANDLED_EVENT_TYPES as readonly string[]).includes(type);
}
