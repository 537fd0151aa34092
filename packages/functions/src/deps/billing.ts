import { createBillingStore } from '@toolgate/core/billing/aws/store';
import { createStripeWebhookProcessor } from '@toolgate/core/billing/webhook';
import { config, doc } from './base';
import { metrics } from './metrics';

export const billing = createStripeWebhookProcessor({
  store: createBillingStore(doc, config.tableName),
  prices: config.stripePrices,
  metrics,
});
