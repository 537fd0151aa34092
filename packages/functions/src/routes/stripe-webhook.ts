import { StripeEventSchema } from '@toolgate/core/billing/events';
import type { StripeWebhookProcessor } from '@toolgate/core/billing/webhook';
import { routes } from '@toolgate/core/manifest';
import type { Hono } from 'hono';
import type { AppEnv } from '../http/types';
import { parseInput } from '../http/validate';
import { honoPath } from './path';

export function mountStripeWebhook(app: Hono<AppEnv>, processor: StripeWebhookProcessor): void {
  app.post(honoPath(routes.stripeWebhook), async (c) => {
    // The guard verified the signature over the raw body and parsed it; only its shape is left to check.
    const event = parseInput(StripeEventSchema, c.get('webhookEvent'), 'body');
    const result = await processor.process(event);
    // Ids and outcome only: the event body holds customer data and never goes to the logs.
    c.get('logger').info('stripe event', {
      eventId: result.eventId,
      eventType: event.type,
      outcome: result.outcome,
      why: result.why,
    });
    c.header('Cache-Control', 'no-store');
    return c.json({ received: true, ...result });
  });
}
