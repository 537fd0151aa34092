import { StripeEventSchema } from '../billing/events';
import type { RouteId } from '../manifest';
import * as z from '../zod';
import type { RouteDoc } from './types';

export const billingDocs = {
  stripeWebhook: {
    tags: ['billing'],
    description: 'Called by Stripe only: the `Stripe-Signature` header is verified over the raw body.',
    body: StripeEventSchema,
    bodyRequired: true,
    responses: {
      200: { description: 'Event received', schema: z.looseObject({ received: z.literal(true) }) },
    },
  },
} satisfies Partial<Record<RouteId, RouteDoc>>;
