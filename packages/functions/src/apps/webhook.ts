import type { StripeWebhookProcessor } from '@toolgate/core/billing/webhook';
import { createTierApp } from '../http/app';
import type { SignatureVerifier } from '../http/guard';
import { createTierLogger } from '../logging';
import { mountStripeWebhook } from '../routes/stripe-webhook';

export interface WebhookDeps {
  stripeSignature: SignatureVerifier;
  billing: StripeWebhookProcessor;
}

/** The webhook tier: open at the gateway, every request authenticated by its sender's signature in the guard. */
export function createWebhookApp(deps: WebhookDeps) {
  const app = createTierApp('webhook', {
    logger: createTierLogger('webhook'),
    verifier: null,
    stripeSignature: deps.stripeSignature,
  });
  mountStripeWebhook(app, deps.billing);
  return app;
}
