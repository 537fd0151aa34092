import { handle } from 'hono/aws-lambda';
import { createWebhookApp } from '../apps/webhook';
import { billing } from '../deps/billing';
import { stripeSignature } from '../deps/stripe';

export const handler = handle(createWebhookApp({ stripeSignature, billing }));
