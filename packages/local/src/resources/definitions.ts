import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb';
import type { CORSConfiguration } from '@aws-sdk/client-s3';
import type { CreateQueueCommandInput } from '@aws-sdk/client-sqs';
import { JOBS_QUEUE, TABLE } from '@toolgate/core/resources';

/**
 * The emulators' resources, derived from core's shared definitions (the ones infra deploys), so that local and
 * deployed keys, indexes and queue policies cannot drift apart. Pure functions: tests assert them against core.
 */

const attributeType = { string: 'S', number: 'N', binary: 'B' } as const;

export function createTableInput(tableName: string): CreateTableCommandInput {
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: Object.entries(TABLE.attributes).map(([name, type]) => ({
      AttributeName: name,
      AttributeType: attributeType[type],
    })),
    KeySchema: [
      { AttributeName: TABLE.partitionKey, KeyType: 'HASH' },
      { AttributeName: TABLE.sortKey, KeyType: 'RANGE' },
    ],
    GlobalSecondaryIndexes: Object.entries(TABLE.globalIndexes).map(([indexName, index]) => ({
      IndexName: indexName,
      KeySchema: [
        { AttributeName: index.partitionKey, KeyType: 'HASH' },
        { AttributeName: index.sortKey, KeyType: 'RANGE' },
      ],
      Projection: { ProjectionType: 'ALL' },
    })),
  };
}

/** Browsers upload straight to the bucket with presigned POST/PUT, so the bucket needs the API's origins. */
export function bucketCorsConfiguration(allowedOrigins: readonly string[]): CORSConfiguration {
  return {
    CORSRules: [
      {
        AllowedOrigins: [...allowedOrigins],
        AllowedMethods: ['POST', 'PUT', 'GET', 'HEAD'],
        AllowedHeaders: ['*'],
        ExposeHeaders: ['ETag'],
        MaxAgeSeconds: 3000,
      },
    ],
  };
}

export const queueNames = (prefix: string) => ({ jobs: `${prefix}-jobs`, jobsDlq: `${prefix}-jobs-dlq` });

export function createJobsDlqInput(queueName: string): CreateQueueCommandInput {
  return {
    QueueName: queueName,
    Attributes: { MessageRetentionPeriod: String(JOBS_QUEUE.dlqRetentionSeconds) },
  };
}

/** `visibilityTimeoutSeconds` overrides the deployed value for fast local tests (redelivery in seconds). */
export function createJobsQueueInput(
  queueName: string,
  dlqArn: string,
  overrides: { visibilityTimeoutSeconds?: number } = {},
): CreateQueueCommandInput {
  return {
    QueueName: queueName,
    Attributes: {
      VisibilityTimeout: String(overrides.visibilityTimeoutSeconds ?? JOBS_QUEUE.visibilityTimeoutSeconds),
      MessageRetentionPeriod: String(JOBS_QUEUE.messageRetentionSeconds),
      RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: JOBS_QUEUE.maxReceiveCount }),
    },
  };
}
