import { JOBS_QUEUE, TABLE } from '@toolgate/core/resources';
import { describe, expect, it } from 'vitest';
import { bucketCorsConfiguration, createJobsDlqInput, createJobsQueueInput, createTableInput } from './definitions';

describe('resource definitions follow core', () => {
  it('creates the table with the shared keys, gsi1 and on-demand billing', () => {
    const input = createTableInput('t');
    expect(input.TableName).toBe('t');
    expect(input.BillingMode).toBe('PAY_PER_REQUEST');
    expect(input.KeySchema).toEqual([
      { AttributeName: TABLE.partitionKey, KeyType: 'HASH' },
      { AttributeName: TABLE.sortKey, KeyType: 'RANGE' },
    ]);
    expect(input.AttributeDefinitions?.map((a) => a.AttributeName).sort()).toEqual(
      Object.keys(TABLE.attributes).sort(),
    );
    expect(input.GlobalSecondaryIndexes).toEqual([
      {
        IndexName: 'gsi1',
        KeySchema: [
          { AttributeName: TABLE.globalIndexes.gsi1.partitionKey, KeyType: 'HASH' },
          { AttributeName: TABLE.globalIndexes.gsi1.sortKey, KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'ALL' },
      },
    ]);
    // No provisioned throughput anywhere: on-demand only.
    expect(JSON.stringify(input)).not.toContain('ProvisionedThroughput');
  });

  it('gives the jobs queue the shared visibility timeout and a redrive policy to its DLQ', () => {
    const input = createJobsQueueInput('jobs', 'arn:aws:sqs:us-east-1:000000000000:jobs-dlq');
    expect(input.Attributes?.VisibilityTimeout).toBe(String(JOBS_QUEUE.visibilityTimeoutSeconds));
    expect(input.Attributes?.MessageRetentionPeriod).toBe(String(JOBS_QUEUE.messageRetentionSeconds));
    expect(JSON.parse(input.Attributes?.RedrivePolicy ?? '{}')).toEqual({
      deadLetterTargetArn: 'arn:aws:sqs:us-east-1:000000000000:jobs-dlq',
      maxReceiveCount: JOBS_QUEUE.maxReceiveCount,
    });
    expect(createJobsDlqInput('dlq').Attributes?.MessageRetentionPeriod).toBe(String(JOBS_QUEUE.dlqRetentionSeconds));
  });

  it('lets the configured origins upload to the bucket', () => {
    const [rule] = bucketCorsConfiguration(['http://localhost:3000']).CORSRules ?? [];
    expect(rule?.AllowedOrigins).toEqual(['http://localhost:3000']);
    expect(rule?.AllowedMethods?.sort()).toEqual(['GET', 'HEAD', 'POST', 'PUT']);
  });
});
