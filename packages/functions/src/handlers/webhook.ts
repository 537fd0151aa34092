import { createWebhookApp } from '../apps/webhook';
import { billing } from '../deps/billing';
import { metrics } from '../deps/metrics';
import { stripeSignature } from '../deps/stripe';
import { lambdaHandler } from '../http/lambda';

export const handler = lambdaHandler(createWebhookApp({ stripeSignature, billing, metrics }));
