import { type DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { type Clock, systemClock } from '../../clock';
import { isConditionFailure } from '../../data/conditional';
import { isExpired, nowSeconds } from '../../data/dynamo';
import { keys } from '../../data/keys';
import type { FixedWindow } from '../windows';

/**
 * Usage counters in the single table, one item per user, counter and window, under the user's partition:
 *   pk = USER#<sub>, sk = LIMIT#REQ#<class>#<minute>   (requests in a fixed one-minute window)
 *   pk = USER#<sub>, sk = LIMIT#TOKENS#<month>         (chat tokens in a calendar month)
 * Every write is one conditional UpdateItem (no transactions, no read-modify-write), so concurrent requests on
 * many Lambda instances count exactly. `expiresAt` lets DynamoDB delete old windows; reads ignore expired items.
 */
const requestKey = (sub: string, counter: string, window: FixedWindow) => keys.requestCounter(sub, counter, window.key);
const tokensKey = (sub: string, window: FixedWindow) => keys.tokenCounter(sub, window.key);

/** Minute counters are only read during their minute; month counters are kept a while for the account page. */
const REQUEST_RETENTION_S = 120;
const TOKENS_RETENTION_S = 40 * 24 * 3600;

export interface CounterResult {
  /** False when the count had already reached the limit: nothing was counted. */
  allowed: boolean;
  /** The count after this request (or the limit, when refused). */
  count: number;
}

export interface UsageStore {
  /**
   * Counts `cost` requests (default one) against `limit` in `window`, atomically and all or nothing: refuses (and
   * counts nothing) when they do not all fit under the limit.
   */
  hit(sub: string, counter: string, window: FixedWindow, limit: number, cost?: number): Promise<CounterResult>;
  /** Takes back what `hit` counted (a request refused after all): the count is lowered by `cost` (default one). */
  release(sub: string, counter: string, window: FixedWindow, cost?: number): Promise<void>;
  /** Adds spent tokens to the month's total (unconditionally: they are spent) and returns the new total. */
  addTokens(sub: string, month: FixedWindow, tokens: number): Promise<number>;
  tokensUsed(sub: string, month: FixedWindow): Promise<number>;
}

export function createUsageStore(
  doc: DynamoDBDocumentClient,
  tableName: string,
  clock: Clock = systemClock,
): UsageStore {
  return {
    async hit(sub, counter, window, limit, cost = 1) {
      if (!Number.isInteger(cost) || cost < 1)
        throw new Error(`usage store: cost must be a positive integer, not ${cost}`);
      // More than the whole window allows can never fit: refused without a write.
      if (cost > limit) return { allowed: false, count: limit };
      try {
        const { Attributes } = await doc.send(
          new UpdateCommand({
            TableName: tableName,
            Key: requestKey(sub, counter, window),
            UpdateExpression: 'SET #expiresAt = if_not_exists(#expiresAt, :expiresAt) ADD #count :cost',
            // `count + cost <= limit`, written as `count <= limit - cost` (condition expressions have no arithmetic).
            ConditionExpression: 'attribute_not_exists(#count) OR #count <= :room',
            ExpressionAttributeNames: { '#count': 'count', '#expiresAt': 'expiresAt' },
            ExpressionAttributeValues: {
              ':cost': cost,
              ':room': limit - cost,
              ':expiresAt': nowSeconds(window.endMs) + REQUEST_RETENTION_S,
            },
            ReturnValues: 'UPDATED_NEW',
          }),
        );
        return { allowed: true, count: Number(Attributes?.count ?? cost) };
      } catch (error) {
        if (isConditionFailure(error)) return { allowed: false, count: limit };
        throw error;
      }
    },

    async release(sub, counter, window, cost = 1) {
      try {
        await doc.send(
          new UpdateCommand({
            TableName: tableName,
            Key: requestKey(sub, counter, window),
            UpdateExpression: 'ADD #count :minusCost',
            // Never creates a counter, and never takes back more than was counted.
            ConditionExpression: '#count >= :cost',
            ExpressionAttributeNames: { '#count': 'count' },
            ExpressionAttributeValues: { ':minusCost': -cost, ':cost': cost },
          }),
        );
      } catch (error) {
        if (!isConditionFailure(error)) throw error;
      }
    },

    async addTokens(sub, month, tokens) {
      const { Attributes } = await doc.send(
        new UpdateCommand({
          TableName: tableName,
          Key: tokensKey(sub, month),
          UpdateExpression: 'SET #expiresAt = if_not_exists(#expiresAt, :expiresAt) ADD #tokens :tokens',
          ExpressionAttributeNames: { '#tokens': 'tokens', '#expiresAt': 'expiresAt' },
          ExpressionAttributeValues: {
            ':tokens': Math.max(0, Math.round(tokens)),
            ':expiresAt': nowSeconds(month.endMs) + TOKENS_RETENTION_S,
          },
          ReturnValues: 'UPDATED_NEW',
        }),
      );
      return Number(Attributes?.tokens ?? 0);
    },

    async tokensUsed(sub, month) {
      const { Item } = await doc.send(new GetCommand({ TableName: tableName, Key: tokensKey(sub, month) }));
      if (!Item || isExpired(Item, clock())) return 0;
      return Number(Item.tokens ?? 0);
    },
  };
}
