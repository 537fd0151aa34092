import { createWebhookApp } from '../apps/webhook';
import { config } from '../deps/base';
import { billing } from '../deps/billing';
import { stripeSignature } from '../deps/stripe';
import { lambdaHandler } from '../http/lambda';
import { createTierMetrics } from '../metrics';

/** This handler's own instance: its ColdStart counts once per tier, even where tiers share a process (locally). */
const metrics = createTierMetrics(config.stage);

export const handler = lambdaHandler(createWebhookApp({ stripeSignature, billing, metrics }));
