import { type Clock, systemClock } from '../clock';
import { ConflictError } from '../errors';
import { type Metrics, noMetrics } from '../metrics/port';
import type { BillingStore, PlanState } from './aws/store';
import { isHandledEventType, type StripeEvent } from './events';
import { type BillingDecision, decide, type PriceMap } from './rules';

/**
 * What became of one delivery:
 * - `applied`: the user's plan was written (or re-written with the same state);
 * - `recorded`: the customer's plan was stored, but no checkout has linked the customer to a user yet (the
 *   checkout event applies it when it arrives);
 * - `linked`: a checkout linked the customer to a user, with no plan state to apply yet;
 * - `stale`: a newer event's state is already stored, so this older one changed nothing;
 * - `conflict`: the customer is already linked to a different user; nothing changed;
 * - `ignored`: an event type or object toolgate does not act on (no write at all);
 * - `duplicate`: this event id was already processed.
 */
export type WebhookOutcome = 'applied' | 'recorded' | 'linked' | 'stale' | 'conflict' | 'ignored' | 'duplicate';

export interface WebhookResult {
  eventId: string;
  outcome: WebhookOutcome;
  /** Why an event was ignored, or which rule set the plan. Safe to return and log: no personal data. */
  why?: string;
}

export interface StripeWebhookProcessor {
  /**
   * Processes one verified event. Throws `ValidationError` (400, nothing written) for a handled event missing the
   * fields its rule needs, and `ConflictError` (409: Stripe retries) while another delivery of it is in progress.
   */
  process(event: StripeEvent): Promise<WebhookResult>;
}

export interface StripeWebhookProcessorOptions {
  store: BillingStore;
  prices: PriceMap;
  /** Epoch milliseconds; tests pass a clock. */
  now?: Clock;
  /** Each processed delivery's outcome (`Webhooks`). */
  metrics?: Metrics;
}

export function createStripeWebhookProcessor(options: StripeWebhookProcessorOptions): StripeWebhookProcessor {
  const { store, prices } = options;
  const now = options.now ?? systemClock;
  const metrics = options.metrics ?? noMetrics;
  if (!store) throw new Error('stripe webhook: a billing store is required');
  if (!prices || typeof prices !== 'object')
    throw new Error('stripe webhook: a price map is required (it may be empty)');

  async function apply(
    decision: Exclude<BillingDecision, { kind: 'ignore' }>,
    event: StripeEvent,
  ): Promise<WebhookOutcome> {
    if (decision.kind === 'link') {
      const link = await store.linkCustomer(decision.customerId, decision.sub, now());
      if (!link.linked) return 'conflict';
      if (!link.state) return 'linked';
      return (await store.applyUserPlan(decision.sub, decision.customerId, link.state, now())) ? 'applied' : 'linked';
    }
    const state: PlanState = { plan: decision.plan, eventId: event.id, eventCreated: event.created };
    const customer = await store.recordCustomerPlan(decision.customerId, state, now());
    if (!customer.recorded) return 'stale';
    if (!customer.sub) return 'recorded';
    return (await store.applyUserPlan(customer.sub, decision.customerId, state, now())) ? 'applied' : 'stale';
  }

  async function process(event: StripeEvent): Promise<WebhookResult> {
    if (!isHandledEventType(event.type)) return { eventId: event.id, outcome: 'ignored', why: 'unhandled event type' };
    // Decided before anything is written: a malformed object is a 400 with no trace in the table.
    const decision = decide({ ...event, type: event.type }, prices);
    if (decision.kind === 'ignore') return { eventId: event.id, outcome: 'ignored', why: decision.why };

    const lease = await store.takeEvent(event, now());
    if (!lease.taken) {
      if (lease.status === 'completed') return { eventId: event.id, outcome: 'duplicate' };
      throw new ConflictError('This event is being processed by another delivery; retry later.', {
        headers: { 'Retry-After': '30' },
      });
    }
    let outcome: WebhookOutcome;
    try {
      outcome = await apply(decision, event);
      await store.completeEvent(event.id, lease.token, outcome, now());
    } catch (error) {
      // Without the lease, Stripe's next retry processes the event again; every write above is safe to repeat.
      await store.releaseEvent(event.id, lease.token).catch(() => undefined);
      throw error;
    }
    return { eventId: event.id, outcome, ...(decision.kind === 'plan' ? { why: decision.why } : {}) };
  }

  return {
    async process(event) {
      const result = await process(event);
      metrics.record('Webhooks', 1, { outcome: result.outcome });
      return result;
    },
  };
}
