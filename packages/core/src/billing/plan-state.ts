import { allOf, anyOf, attributeAbsent, type Condition, condition } from '../data/conditional';
import { PLANS, type Plan } from '../plans';

/**
 * A Stripe customer's plan state, as the billing store keeps it on the customer item and, per customer, on the
 * user's profile; and the order rule that decides whether one state may replace another (see store.ts).
 */
export interface PlanState {
  plan: Plan;
  eventId: string;
  /** Stripe's `created` of the event (epoch seconds). */
  eventCreated: number;
}

/** The profile's per-customer plan states, and the version its optimistic writes are conditioned on. */
export const CUSTOMERS = 'stripeCustomers';
export const VERSION = 'entitlementsVersion';

/** The condition and values that let `state` replace a stored plan state only if it is not older. */
export function notOlderThanStored(state: PlanState): Condition {
  const lower = PLANS.slice(0, PLANS.indexOf(state.plan));
  const names = { '#plan': 'plan', '#created': 'planEventCreated', '#eventId': 'planEventId' };
  const created = { ':created': state.eventCreated };
  const sameEvent = condition('#eventId = :eventId', names, { ':eventId': state.eventId });
  const lowerPlan = condition(
    `#plan IN (${lower.map((_, i) => `:lower${i}`).join(', ')})`,
    names,
    Object.fromEntries(lower.map((plan, i) => [`:lower${i}`, plan])),
  );
  return anyOf(
    attributeAbsent('planEventCreated'),
    condition('#created < :created', names, created),
    allOf(condition('#created = :created', names, created), anyOf(sameEvent, ...(lower.length ? [lowerPlan] : []))),
  );
}

/**
 * Whether `state` may replace the customer's `stored` state: it is from a newer event, or from the same second and
 * either the same event (a retry completing it) or a higher plan (the tie rule of `notOlderThanStored`).
 */
export function replaces(state: PlanState, stored: PlanState): boolean {
  if (state.eventCreated !== stored.eventCreated) return state.eventCreated > stored.eventCreated;
  return state.eventId === stored.eventId || PLANS.indexOf(stored.plan) < PLANS.indexOf(state.plan);
}

/** The best plan any linked customer grants (`free` without any). */
export function bestPlan(customers: Readonly<Record<string, PlanState>>): Plan {
  let best: Plan = PLANS[0];
  for (const { plan } of Object.values(customers)) if (PLANS.indexOf(plan) > PLANS.indexOf(best)) best = plan;
  return best;
}

/**
 * The profile's per-customer states. A profile written before they existed holds one customer's state in its
 * top-level fields: it reads as that one customer.
 */
export function linkedCustomers(item: Record<string, unknown> | undefined): Record<string, PlanState> {
  const map = item?.[CUSTOMERS];
  const customers: Record<string, PlanState> = {};
  if (map && typeof map === 'object') {
    for (const [id, value] of Object.entries(map as Record<string, unknown>)) {
      const state = planStateOf(value as Record<string, unknown>, 'plan', 'eventId', 'eventCreated');
      if (state) customers[id] = state;
    }
    return customers;
  }
  const legacy = planStateOf(item);
  if (legacy && typeof item?.stripeCustomerId === 'string') customers[item.stripeCustomerId] = legacy;
  return customers;
}

export function planStateOf(
  item: Record<string, unknown> | undefined,
  planField = 'plan',
  eventIdField = 'planEventId',
  createdField = 'planEventCreated',
): PlanState | undefined {
  const plan = item?.[planField];
  const eventId = item?.[eventIdField];
  const eventCreated = item?.[createdField];
  if (typeof plan !== 'string' || !(PLANS as readonly string[]).includes(plan)) return undefined;
  if (typeof eventId !== 'string' || typeof eventCreated !== 'number') return undefined;
  return { plan: plan as Plan, eventId, eventCreated };
}

/** A plan state as the stored attributes `planStateOf` reads back. */
export function planFields(state: PlanState) {
  return { plan: state.plan, planEventCreated: state.eventCreated, planEventId: state.eventId };
}
