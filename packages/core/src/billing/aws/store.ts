import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { allOf, anyOf, attributeAbsent, conditional, conditionFields, equals, written } from '../../data/conditional';
import { nowSeconds } from '../../data/dynamo';
import { keys } from '../../data/keys';
import { expired, heldBy, LEASE_UNTIL, leaseUntil, vacant } from '../../data/lease';
import { ifNotExists, updateFields } from '../../data/update';
import { ConflictError } from '../../errors';
import { userKey } from '../../users/aws/repository';
import {
  bestPlan,
  CUSTOMERS,
  linkedCustomers,
  notOlderThanStored,
  type PlanState,
  planFields,
  planStateOf,
  replaces,
  VERSION,
} from '../plan-state';

/**
 * Billing state in the single table, written only with single-item conditional writes (no transactions: dynalite
 * has none, and none are needed):
 *
 * - `STRIPE_EVENT#<event id>` / `EVENT` — the delivery ledger that makes each event take effect once. Taking it is
 *   a conditional put (`IN_PROGRESS` with a lease held by a random token, data/lease.ts); success marks it
 *   `COMPLETED`; a failure deletes it so that Stripe's retry can process the event. An expired lease (a crashed or
 *   timed-out Lambda) can be taken over.
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

export type { PlanState };

export type TakeEventResult = { taken: true; token: string } | { taken: false; status: 'completed' | 'in-progress' };

export interface BillingStore {
  /** Takes the event's processing lease, unless it was already processed or someone holds a live lease. */
  takeEvent(event: { id: string; type: string }, now: number): Promise<TakeEventResult>;
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
  /** How long a taken event blocks other deliveries of the same event. At least the gateway's 30 s timeout. */
  leaseMs?: number;
  /** How long processed event ids are remembered. Stripe retries for 3 days and can resend events up to 30 days old. */
  retentionSeconds?: number;
}

export const stripeEventKey = keys.stripeEvent;
export const stripeCustomerKey = keys.stripeCustomer;

const IN_PROGRESS = 'IN_PROGRESS';
/** Concurrent writers to one profile are a user's own events: a handful of retries settles them. */
const MAX_PROFILE_ATTEMPTS = 5;
const COMPLETED = 'COMPLETED';

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
    async takeEvent(event, now) {
      const token = crypto.randomUUID();
      const taken = await written(() =>
        doc.send(
          new PutCommand({
            TableName: tableName,
            Item: {
              ...stripeEventKey(event.id),
              status: IN_PROGRESS,
              token,
              eventType: event.type,
              ...leaseUntil(now + leaseMs),
              receivedAt: new Date(now).toISOString(),
              expiresAt: nowSeconds(now) + retentionSeconds,
            },
            // A retention that ran out counts as absent (`vacant`); so does a lease whose holder crashed.
            ...conditionFields(anyOf(vacant(now), allOf(equals('status', IN_PROGRESS, 'inProgress'), expired(now)))),
          }),
        ),
      );
      if (taken) return { taken: true, token };
      const { Item } = await doc.send(
        new GetCommand({ TableName: tableName, Key: stripeEventKey(event.id), ConsistentRead: true }),
      );
      // Gone between the two calls means its holder just released it: report in progress, Stripe retries.
      return { taken: false, status: Item?.status === COMPLETED ? 'completed' : 'in-progress' };
    },

    async completeEvent(eventId, token, outcome, now) {
      const { UpdateExpression, names, values } = updateFields(
        { status: COMPLETED, outcome, completedAt: new Date(now).toISOString() },
        [LEASE_UNTIL, 'token'],
      );
      await written(() =>
        doc.send(
          new UpdateCommand({
            TableName: tableName,
            Key: stripeEventKey(eventId),
            UpdateExpression,
            ...conditionFields(heldBy('token', token), names, values),
          }),
        ),
      );
    },

    async releaseEvent(eventId, token) {
      await written(() =>
        doc.send(
          new DeleteCommand({
            TableName: tableName,
            Key: stripeEventKey(eventId),
            ...conditionFields(heldBy('token', token)),
          }),
        ),
      );
    },

    async recordCustomerPlan(customerId, state, now) {
      const at = new Date(now).toISOString();
      const { UpdateExpression, names, values } = updateFields({
        ...planFields(state),
        customerId,
        updatedAt: at,
        createdAt: ifNotExists(at),
      });
      const output = await conditional(() =>
        doc.send(
          new UpdateCommand({
            TableName: tableName,
            Key: stripeCustomerKey(customerId),
            UpdateExpression,
            ...conditionFields(notOlderThanStored(state), names, values),
            ReturnValues: 'ALL_NEW',
          }),
        ),
      );
      if (!output) return { recorded: false };
      const sub = output.Attributes?.sub;
      return { recorded: true, ...(typeof sub === 'string' ? { sub } : {}) };
    },

    async linkCustomer(customerId, sub, now) {
      const at = new Date(now).toISOString();
      const output = await conditional(() =>
        doc.send(
          new UpdateCommand({
            TableName: tableName,
            Key: stripeCustomerKey(customerId),
            UpdateExpression:
              'SET #sub = :sub, customerId = :customerId, updatedAt = :at, createdAt = if_not_exists(createdAt, :at)',
            // The first checkout decides whose customer this is; a different user later is refused, not re-linked.
            ...conditionFields(
              anyOf(attributeAbsent('sub'), equals('sub', sub)),
              {},
              { ':customerId': customerId, ':at': at },
            ),
            ReturnValues: 'ALL_NEW',
          }),
        ),
      );
      if (!output) return { linked: false };
      const state = planStateOf(output.Attributes);
      return { linked: true, ...(state ? { state } : {}) };
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
        const { UpdateExpression, names, values } = updateFields({
          ...planFields({ ...state, plan: bestPlan(next) }),
          stripeCustomerId: customerId,
          [CUSTOMERS]: next,
          [VERSION]: (version ?? 0) + 1,
          sub,
          updatedAt: at,
          createdAt: ifNotExists(at),
        });
        const unchanged = version === undefined ? attributeAbsent(VERSION) : equals(VERSION, version, 'version');
        const saved = await written(() =>
          doc.send(
            new UpdateCommand({
              TableName: tableName,
              Key: userKey(sub),
              UpdateExpression,
              ...conditionFields(unchanged, names, values),
            }),
          ),
        );
        if (saved) return true;
        // Another event of this user (another customer's, or a redelivery) wrote in between: read again.
      }
      throw new ConflictError('The plan of this user is being changed by another event; retry later.', {
        headers: { 'Retry-After': '5' },
      });
    },
  };
}
