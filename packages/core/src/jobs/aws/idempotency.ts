import { DeleteCommand, type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { conditionFields, written } from '../../data/conditional';
import { isExpired, nowSeconds } from '../../data/dynamo';
import { keys } from '../../data/keys';
import { heldBy, vacant } from '../../data/lease';

/**
 * `Idempotency-Key` reservations: pk = IDEMP#<sub>#<key>, sk = IDEMP, holding the job id the key stands for and the
 * hash of the request it came with. One conditional put decides which of any number of concurrent requests with the
 * same key reserves it; the others read the reservation and get the same job (or a 422 for a different body).
 * Keys never contain `#` (the schema forbids it), so two users' keys cannot collide.
 *
 * A reservation is a lease (data/lease.ts) held by its job id until its TTL: it is taken when `vacant`, and only
 * its holder can give it back.
 */
export const idempotencyKeyOf = keys.idempotency;

export interface Reservation {
  jobId: string;
  requestHash: string;
}

export type TakeKeyOutcome = ({ taken: true } & Reservation) | ({ taken: false } & Reservation);

export interface IdempotencyStore {
  /** Reserves `key` for `jobId`, or returns the reservation another request made first. */
  take(
    sub: string,
    key: string,
    reservation: Reservation,
    options: { now: number; ttlSeconds: number },
  ): Promise<TakeKeyOutcome>;
  /**
   * Gives back a key this request reserved for `jobId` when the request was refused before its job was written
   * (plan limits): a refused request leaves nothing behind, and the key stays free for the client's next attempt.
   * Only that reservation is deleted: one that now stands for another job is left alone.
   */
  release(sub: string, key: string, jobId: string): Promise<void>;
}

export function createIdempotencyStore(doc: DynamoDBDocumentClient, tableName: string): IdempotencyStore {
  return {
    async take(sub, key, reservation, { now, ttlSeconds }) {
      // Two rounds: a reservation can expire (or be read as expired) between the failed put and the read.
      for (let round = 0; round < 2; round++) {
        const taken = await written(() =>
          doc.send(
            new PutCommand({
              TableName: tableName,
              Item: {
                ...idempotencyKeyOf(sub, key),
                jobId: reservation.jobId,
                requestHash: reservation.requestHash,
                createdAt: new Date(now).toISOString(),
                expiresAt: nowSeconds(now) + ttlSeconds,
              },
              ...conditionFields(vacant(now)),
            }),
          ),
        );
        if (taken) return { taken: true, ...reservation };
        const { Item } = await doc.send(
          new GetCommand({ TableName: tableName, Key: idempotencyKeyOf(sub, key), ConsistentRead: true }),
        );
        if (Item && !isExpired(Item, now) && typeof Item.jobId === 'string' && typeof Item.requestHash === 'string') {
          return { taken: false, jobId: Item.jobId, requestHash: Item.requestHash };
        }
      }
      throw new Error('idempotency: the reservation kept changing under this request');
    },

    async release(sub, key, jobId) {
      await written(() =>
        doc.send(
          new DeleteCommand({
            TableName: tableName,
            Key: idempotencyKeyOf(sub, key),
            ...conditionFields(heldBy('jobId', jobId)),
          }),
        ),
      );
    },
  };
}
