import type { RouteSpec } from './types';

/** Billing routes: Stripe delivers subscription and payment events here. */
export const billingRoutes = {
  stripeWebhook: {
    method: 'POST',
    path: '/webhooks/stripe',
    tier: 'webhook',
    auth: { kind: 'stripe-signature', reason: 'authenticated by Stripe signature' },
    summary: 'Stripe webhook: subscription and payment events that set the subscriber plan',
  },
} as const satisfies Record<string, RouteSpec>;
