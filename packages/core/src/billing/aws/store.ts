import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { nowSeconds } from '../../data/dynamo';
import { keys } from '../../data/keys';
import { ConflictError } from '../../errors';
import { PLANS, type Plan } from '../../plans';
import { userKey } from '../../users/aws/repository';

/**
 * Billing state in the single table, written only with single-item conditional writes (no transactions: dynalite
 * has none, and none are needed):
 *
 * - `STRIPE_EVENT#<event id>` / `EVENT` — the delivery ledger that makes each event take effect once. A claim is
 *   a conditional put (`IN_PROGRESS` with a lease); success marks it `COMPLETED`; a failure deletes it so that
 *   Stripe's retry can process the event. An expired lease (a crashed or timed-out Lambda) can be taken over.
 * - `STRIPE_CUSTOMER#<customer id>` / `CUSTOMER` — which user a Stripe customer belongs to, and the customer's
 *   newest plan state (kept even before the customer is linked, since Stripe may deliver the subscription before
 *   the checkout).
 * - `USER#<sub>` / `PROFILE` — the user's `plan`, and `stripeCustomers`: the newest plan state of each Stripe
 *   customer linked to the user. A user can end up with two customers (a second checkout with another email); the
 *   plan is the best one any of them grants, so that one customer's `incomplete_expired` never downgrades a user
 *   whose other customer's subscription is active. The profile is written by optimistic concurrency (read, then a
 *   put conditioned on the version read), so concurrent events of two customers cannot lose each other's state.
 *
 * Plan writes are order-safe: each carries its event's `created` and id, and is refused when the item already
 * holds a newer event's state. Events created in the same second are ambiguous; the tie goes to the higher plan
 * (so a same-second "old subscription deleted, new one created" pair ends on the new plan whatever the delivery
 * order), and re-applying the same event is always allowed (a retry after a partial failure completes it).
 */

export interface PlanState {
  plan: Plan;
  eventId: string;
  /** Stripe's `created` of the event (epoch seconds). */
  eventCreated: number;
}

export type ClaimResult = { claimed: true; token: string } | { claimed: false; status: 'completed' | 'in-progress' };

export interface BillingStore {
  /** Takes the event's processing lease, unless it was already processed or someone holds a live lease. */
  claimEvent(event: { id: string; type: string }, now: number): Promise<ClaimResult>;
  /** Marks the event done; a no-op when the lease was lost (the work is order-safe and idempotent anyway). */
  completeEvent(eventId: string, token: string, outcome: string, now: number): Promise<void>;
  /** Gives the lease back after a failure, so that the next delivery processes the event. */
  releaseEvent(eventId: string, token: string): Promise<void>;
  /** Stores the customer's plan state unless a newer one is stored; returns the linked user, if any. */
  recordCustomerPlan(customerId: string, state: PlanState, now: number): Promise<{ recorded: boolean; sub?: string }>;
  /** Links a customer to a user (first link wins); returns the customer's stored plan state to apply. */
  linkCustomer(
    customerId: string,
    sub: string,
    now: number,
  ): Promise<{ linked: true; state?: PlanState } | { linked: false }>;
  /**
   * Records the customer's plan state on the user unless a newer event's state of that customer is stored, and sets
   * the user's plan to the best one over all the user's customers. False when the state was stale.
   */
  applyUserPlan(sub: string, customerId: string, state: PlanState, now: number): Promise<boolean>;
}

export interface BillingStoreOptions {
  /** How long a claim blocks other deliveries of the same event. At least the gateway's 30 s timeout. */
  leaseMs?: number;
  /** How long processed event ids are remembered. Stripe retries for 3 days and can resend events up to 30 days old. */
  retentionSeconds?: number;
}

export const stripeEventKey = keys.stripeEvent;
export const stripeCustomerKey = keys.stripeCustomer;

const IN_PROGRESS = 'IN_PROGRESS';
/** The profile's per-customer plan states, and the version its optimistic writes are conditioned on. */
const CUSTOMERS = 'stripeCustomers';
const VERSION = 'entitlementsVersion';
/** Concurrent writers to one profile are a user's own events: a handful of retries settles them. */
const MAX_PROFILE_ATTEMPTS = 5;
const COMPLETED = 'COMPLETED';

function isConditionFailure(error: unknown): boolean {
  return error instanceof Error && error.name === 'ConditionalCheckFailedException';
}

/** `true` when the write happened, `false` when its condition refused it; other errors propagate. */
async function conditional(write: Promise<unknown>): Promise<boolean> {
  try {
    await write;
    return true;
  } catch (error) {
    if (isConditionFailure(error)) return false;
    throw error;
  }
}

/** The condition and values that let `state` replace a stored plan state only if it is not older. */
function notOlderThanStored(state: PlanState) {
  const lower = PLANS.slice(0, PLANS.indexOf(state.plan));
  const tie = [
    '#eventId = :eventId',
    ...(lower.length > 0 ? [`#plan IN (${lower.map((_, i) => `:lower${i}`).join(', ')})`] : []),
  ];
  return {
    ConditionExpression: `attribute_not_exists(#created) OR #created < :created OR (#created = :created AND (${tie.join(' OR ')}))`,
    names: { '#plan': 'plan', '#created': 'planEventCreated', '#eventId': 'planEventId' },
    values: {
      ':plan': state.plan,
      ':created': state.eventCreated,
      ':eventId': state.eventId,
      ...Object.fromEntries(lower.map((plan, i) => [`:lower${i}`, plan])),
    },
  };
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
function linkedCustomers(item: Record<string, unknown> | undefined): Record<string, PlanState> {
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

function planStateOf(
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

export function createBillingStore(
  doc: DynamoDBDocumentClient,
  tableName: string,
  options: BillingStoreOptions = {},
): BillingStore {
  const leaseMs = options.leaseMs ?? 30_000;
  const retentionSeconds = options.retentionSeconds ?? 30 * 24 * 3600;
  if (!(leaseMs > 0) || !(retentionSeconds > 0))
    throw new Error('billing store: leaseMs and retentionSeconds must be positive');

  return {
    async claimEvent(event, now) {
      const token = crypto.randomUUID();
      const claimed = await conditional(
        doc.send(
          new PutCommand({
            TableName: tableName,
            Item: {
              ...stripeEventKey(event.id),
              status: IN_PROGRESS,
              token,
              eventType: event.type,
              leaseExpiresAt: now + leaseMs,
              receivedAt: new Date(now).toISOString(),
              expiresAt: nowSeconds(now) + retentionSeconds,
            },
            // Expired records may linger (DynamoDB deletes within ~48 h, dynalite never): they count as absent.
            ConditionExpression:
              'attribute_not_exists(pk) OR expiresAt <= :nowSeconds OR (#status = :inProgress AND leaseExpiresAt < :now)',
            ExpressionAttributeNames: { '#status': 'status' },
            ExpressionAttributeValues: { ':nowSeconds': nowSeconds(now), ':now': now, ':inProgress': IN_PROGRESS },
          }),
        ),
      );
      if (claimed) return { claimed: true, token };
      const { Item } = await doc.send(
        new GetCommand({ TableName: tableName, Key: stripeEventKey(event.id), ConsistentRead: true }),
      );
      // Gone between the two calls means its holder just released it: report in progress, Stripe retries.
      return { claimed: false, status: Item?.status === COMPLETED ? 'completed' : 'in-progress' };
    },

    async completeEvent(eventId, token, outcome, now) {
      await conditional(
        doc.send(
          new UpdateCommand({
            TableName: tableName,
            Key: stripeEventKey(eventId),
            UpdateExpression:
              'SET #status = :completed, outcome = :outcome, completedAt = :at REMOVE leaseExpiresAt, #token',
            ConditionExpression: '#token = :token',
            ExpressionAttributeNames: { '#status': 'status', '#token': 'token' },
            ExpressionAttributeValues: {
              ':completed': COMPLETED,
              ':outcome': outcome,
              ':at': new Date(now).toISOString(),
              ':token': token,
            },
          }),
        ),
      );
    },

    async releaseEvent(eventId, token) {
      await conditional(
        doc.send(
          new DeleteCommand({
            TableName: tableName,
            Key: stripeEventKey(eventId),
            ConditionExpression: '#token = :token',
            ExpressionAttributeNames: { '#token': 'token' },
            ExpressionAttributeValues: { ':token': token },
          }),
        ),
      );
    },

    async recordCustomerPlan(customerId, state, now) {
      const at = new Date(now).toISOString();
      const guard = notOlderThanStored(state);
      try {
        const { Attributes } = await doc.send(
          new UpdateCommand({
            TableName: tableName,
            Key: stripeCustomerKey(customerId),
            UpdateExpression:
              'SET #plan = :plan, #created = :created, #eventId = :eventId, customerId = :customerId, updatedAt = :at, createdAt = if_not_exists(createdAt, :at)',
            ConditionExpression: guard.ConditionExpression,
            ExpressionAttributeNames: guard.names,
            ExpressionAttributeValues: { ...guard.values, ':customerId': customerId, ':at': at },
            ReturnValues: 'ALL_NEW',
          }),
        );
        return { recorded: true, ...(typeof Attributes?.sub === 'string' ? { sub: Attributes.sub } : {}) };
      } catch (error) {
        if (isConditionFailure(error)) return { recorded: false };
        throw error;
      }
    },

    async linkCustomer(customerId, sub, now) {
      const at = new Date(now).toISOString();
      try {
        const { Attributes } = await doc.send(
          new UpdateCommand({
            TableName: tableName,
            Key: stripeCustomerKey(customerId),
            UpdateExpression:
              'SET #sub = :sub, customerId = :customerId, updatedAt = :at, createdAt = if_not_exists(createdAt, :at)',
            // The first checkout decides whose customer this is; a different user later is refused, not re-linked.
            ConditionExpression: 'attribute_not_exists(#sub) OR #sub = :sub',
            ExpressionAttributeNames: { '#sub': 'sub' },
            ExpressionAttributeValues: { ':sub': sub, ':customerId': customerId, ':at': at },
            ReturnValues: 'ALL_NEW',
          }),
        );
        const state = planStateOf(Attributes);
        return { linked: true, ...(state ? { state } : {}) };
      } catch (error) {
        if (isConditionFailure(error)) return { linked: false };
        throw error;
      }
    },

    async applyUserPlan(sub, customerId, state, now) {
      const at = new Date(now).toISOString();
      for (let attempt = 0; attempt < MAX_PROFILE_ATTEMPTS; attempt++) {
        const { Item } = await doc.send(
          new GetCommand({ TableName: tableName, Key: userKey(sub), ConsistentRead: true }),
        );
        const customers = linkedCustomers(Item);
        const stored = customers[customerId];
        if (stored && !replaces(state, stored)) return false;
        const next = { ...customers, [customerId]: state };
        const version = typeof Item?.[VERSION] === 'number' ? (Item[VERSION] as number) : undefined;
        const written = await conditional(
          doc.send(
            new UpdateCommand({
              TableName: tableName,
              Key: userKey(sub),
              UpdateExpression:
                'SET #plan = :plan, #created = :created, #eventId = :eventId, stripeCustomerId = :customerId, ' +
                '#customers = :customers, #version = :nextVersion, #sub = :sub, updatedAt = :at, ' +
                'createdAt = if_not_exists(createdAt, :at)',
              ConditionExpression: version === undefined ? 'attribute_not_exists(#version)' : '#version = :version',
              ExpressionAttributeNames: {
                '#plan': 'plan',
                '#created': 'planEventCreated',
                '#eventId': 'planEventId',
                '#customers': CUSTOMERS,
                '#version': VERSION,
                '#sub': 'sub',
              },
              ExpressionAttributeValues: {
                ':plan': bestPlan(next),
                ':created': state.eventCreated,
                ':eventId': state.eventId,
                ':customerId': customerId,
                ':customers': next,
                ':nextVersion': (version ?? 0) + 1,
                ':sub': sub,
                ':at': at,
                ...(version === undefined ? {} : { ':version': version }),
              },
            }),
          ),
        );
        if (written) return true;
        // Another event of this user (another customer's, or a redelivery) wrote in between: read again.
      }
      throw new ConflictError('The plan of this user is being changed by another event; retry later.', {
        headers: { 'Retry-After': '5' },
      });
    },
  };
}
