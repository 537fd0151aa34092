import type { StripeWebhookProcessor } from '@toolgate/core/billing/webhook';
import { createTierApp } from '../http/app';
import type { SignatureVerifier } from '../http/guard';
import { createTierLogger } from '../logging';
import type { TierMetrics } from '../metrics';
import { mountStripeWebhook } from '../routes/stripe-webhook';

export interface WebhookDeps {
  stripeSignature: SignatureVerifier;
  billing: StripeWebhookProcessor;
  /** ColdStart (the processor records the outcomes); none when absent. */
  metrics?: TierMetrics;
}

/** The webhook tier: open at the gateway, every request authenticated by its sender's signature in the guard. */
export function createWebhookApp(deps: WebhookDeps) {
  const app = createTierApp('webhook', {
    logger: createTierLogger('webhook'),
    metrics: deps.metrics,
    verifier: null,
    stripeSignature: deps.stripeSignature,
  });
  mountStripeWebhook(app, deps.billing);
  return app;
}
