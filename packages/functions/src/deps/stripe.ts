import { createStripeSignatureVerifier } from '../billing/stripe-signature';
import { config } from './base';

if (!config.stripeWebhookSecret) {
  // Fail the init, not the first delivery: a webhook tier without its secret must never look healthy.
  throw new Error('Configuration: the webhook tier needs the StripeWebhookSecret secret linked');
}

export const stripeSignature = createStripeSignatureVerifier({
  secret: config.stripeWebhookSecret,
  toleranceSeconds: 300,
});
