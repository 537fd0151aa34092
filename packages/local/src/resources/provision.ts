import { CreateTableCommand, type DynamoDBClient, ResourceInUseException } from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, PutBucketCorsCommand, type S3Client } from '@aws-sdk/client-s3';
import { CreateQueueCommand, GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import {
  bucketCorsConfiguration,
  createJobsDlqInput,
  createJobsQueueInput,
  createTableInput,
  queueNames,
} from './definitions';

/** Every function here is idempotent: with --persist the table and bucket already exist on the second run. */

export async function ensureTable(dynamodb: DynamoDBClient, tableName: string): Promise<void> {
  try {
    await dynamodb.send(new CreateTableCommand(createTableInput(tableName)));
  } catch (error) {
    if (!(error instanceof ResourceInUseException)) throw error;
  }
}

export async function ensureBucket(s3: S3Client, bucketName: string, allowedOrigins: readonly string[]): Promise<void> {
  try {
    await s3.send(new CreateBucketCommand({ Bucket: bucketName }));
  } catch (error) {
    const name = (error as { name?: string }).name;
    if (name !== 'BucketAlreadyOwnedByYou' && name !== 'BucketAlreadyExists') throw error;
  }
  if (allowedOrigins.length > 0) {
    await s3.send(
      new PutBucketCorsCommand({ Bucket: bucketName, CORSConfiguration: bucketCorsConfiguration(allowedOrigins) }),
    );
  }
}

export interface QueueUrls {
  jobs: string;
  jobsDlq: string;
}

export async function ensureQueues(
  sqs: SQSClient,
  prefix: string,
  overrides: { visibilityTimeoutSeconds?: number } = {},
): Promise<QueueUrls> {
  const names = queueNames(prefix);
  const dlq = await sqs.send(new CreateQueueCommand(createJobsDlqInput(names.jobsDlq)));
  if (!dlq.QueueUrl) throw new Error(`CreateQueue returned no URL for ${names.jobsDlq}`);
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: dlq.QueueUrl, AttributeNames: ['QueueArn'] }),
  );
  if (!Attributes?.QueueArn) throw new Error(`No ARN for ${names.jobsDlq}`);
  const jobs = await sqs.send(new CreateQueueCommand(createJobsQueueInput(names.jobs, Attributes.QueueArn, overrides)));
  if (!jobs.QueueUrl) throw new Error(`CreateQueue returned no URL for ${names.jobs}`);
  return { jobs: jobs.QueueUrl, jobsDlq: dlq.QueueUrl };
}
