import * as z from 'zod';

/**
 * The parts of Stripe's webhook payloads that billing reads, as zod schemas. Only the fields used are declared
 * (unknown ones are dropped), so a new Stripe API version that adds fields changes nothing here, and one that
 * moves a field we need fails loudly at the boundary instead of silently granting or revoking a plan.
 */

const StripeId = z.string().min(1).max(255);

/** Stripe sends related objects as ids unless expanded; accept both and keep the id. */
const Expandable = z
  .union([StripeId, z.object({ id: StripeId })])
  .transform((value) => (typeof value === 'string' ? value : value.id));

export const StripeEventSchema = z.object({
  id: z
    .string()
    .max(255)
    .regex(/^evt_[A-Za-z0-9_]+$/, 'must be a Stripe event id (evt_...)'),
  object: z.literal('event'),
  type: z.string().min(1).max(200),
  /** Epoch seconds when Stripe created the event: the order of events, since delivery order is not guaranteed. */
  created: z.number().int().nonnegative(),
  data: z.object({ object: z.record(z.string(), z.unknown()) }),
});
export type StripeEvent = z.infer<typeof StripeEventSchema>;

export const CheckoutSessionSchema = z.object({
  id: StripeId,
  /** Set by toolgate when it creates the session: the verified `sub` of the user who checks out. */
  client_reference_id: z.string().nullish(),
  customer: Expandable.nullish(),
});

export const SubscriptionSchema = z.object({
  id: StripeId,
  customer: Expandable,
  status: z.string().min(1),
  items: z.object({ data: z.array(z.object({ price: z.object({ id: StripeId }) })) }),
});

const InvoiceLineSchema = z.object({
  /** API versions before 2025-03-31. */
  price: z.object({ id: StripeId }).nullish(),
  /** API versions from 2025-03-31 (basil) on. */
  pricing: z.object({ price_details: z.object({ price: Expandable }).nullish() }).nullish(),
});

export const InvoiceSchema = z.object({
  id: StripeId,
  customer: Expandable.nullish(),
  billing_reason: z.string().nullish(),
  /** API versions before 2025-03-31. */
  subscription: Expandable.nullish(),
  /** API versions from 2025-03-31 on. */
  parent: z.object({ subscription_details: z.object({ subscription: Expandable }).nullish() }).nullish(),
  lines: z.object({ data: z.array(InvoiceLineSchema) }).nullish(),
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
