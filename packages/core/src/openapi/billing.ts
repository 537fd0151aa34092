import { StripeEventSchema } from '../billing/events';
import type { RouteId } from '../manifest';
import * as z from '../zod';
import { ProblemSchema } from './schemas';
import type { RouteDoc } from './types';

export const billingDocs = {
  stripeWebhook: {
    tags: ['billing'],
    description:
      'Called by Stripe only: the `Stripe-Signature` header is verified over the raw body; a missing or invalid ' +
      'signature is a 400.',
    headers: z.object({
      'Stripe-Signature': z
        .string()
        .check(z.describe('`t=<unix seconds>,v1=<hex HMAC-SHA256>`, computed by Stripe over the raw body')),
    }),
    body: StripeEventSchema,
    bodyRequired: true,
    responses: {
      200: { description: 'Event received', schema: z.looseObject({ received: z.literal(true) }) },
      409: {
        description: 'Another delivery of this event is being processed; Stripe retries it later',
        schema: ProblemSchema,
        contentType: 'application/problem+json',
      },
    },
  },
} satisfies Partial<Record<RouteId, RouteDoc>>;
