import { DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { epochSeconds } from '../clock';
import { awsClientConfig } from './aws-client-config';
import { withClientPlugins } from './aws-client-plugins';

/**
 * A DocumentClient for the table. The endpoint comes from the SDK's own `AWS_ENDPOINT_URL_DYNAMODB` when running
 * locally, so no code path differs between the emulator and AWS. Retries and timeouts are explicit
 * (`aws-client-config.ts`); `options` may override them.
 */
export function createDocumentClient(options: DynamoDBClientConfig = {}): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(
    withClientPlugins(new DynamoDBClient({ ...awsClientConfig('dynamodb'), ...options })),
    {
      marshallOptions: { removeUndefinedValues: true },
    },
  );
}

/** Epoch seconds of an epoch-milliseconds time: the unit of the `expiresAt` TTL attribute. */
export function nowSeconds(now: number): number {
  return epochSeconds(now);
}

/**
 * Items past their TTL may still be returned by DynamoDB for up to ~48 h (and forever by dynalite). `now` comes from
 * the caller's clock, never from here: a fake and a service that read different clocks disagree about "expired".
 */
export function isExpired(item: { expiresAt?: unknown } | undefined, now: number): boolean {
  return typeof item?.expiresAt === 'number' && item.expiresAt <= nowSeconds(now);
}
