import { describe, expect, it } from 'vitest';
import { iamRequestsFor, modelArn, UnmappedCommandError } from './actions';
import { localIamEnabled } from './index';

const WHERE = { region: 'eu-west-1', accountId: '111122223333' };
const TABLE = 'arn:aws:dynamodb:eu-west-1:111122223333:table/t';

describe('SDK command → IAM request', () => {
  it.each([
    [
      'a DynamoDB write names the partition key it writes',
      'DynamoDBClient',
      'PutItemCommand',
      { TableName: 't', Item: { pk: { S: 'USER#a' }, sk: { S: 'X' } } },
      [{ action: 'dynamodb:PutItem', resource: TABLE, context: { 'dynamodb:LeadingKeys': ['USER#a'] } }],
    ],
    [
      "a Query on an index is authorized on the index, with the index's partition key",
      'DynamoDBClient',
      'QueryCommand',
      {
        TableName: 't',
        IndexName: 'gsi1',
        KeyConditionExpression: 'gsi1pk = :p AND gsi1sk > :s',
        ExpressionAttributeValues: { ':p': { S: 'CATALOG' }, ':s': { S: 'a' } },
      },
      [{ action: 'dynamodb:Query', resource: `${TABLE}/index/gsi1`, context: { 'dynamodb:LeadingKeys': ['CATALOG'] } }],
    ],
    [
      'HeadObject is authorized as GetObject',
      'S3Client',
      'HeadObjectCommand',
      { Bucket: 'b', Key: 'users/a/x' },
      [{ action: 's3:GetObject', resource: 'arn:aws:s3:::b/users/a/x' }],
    ],
    [
      'a PutObject that sets tags also needs PutObjectTagging',
      'S3Client',
      'PutObjectCommand',
      { Bucket: 'b', Key: 'users/a/r.json', Tagging: 'k=v' },
      [
        { action: 's3:PutObject', resource: 'arn:aws:s3:::b/users/a/r.json' },
        { action: 's3:PutObjectTagging', resource: 'arn:aws:s3:::b/users/a/r.json' },
      ],
    ],
    [
      'ListObjectsV2 is ListBucket on the bucket, with s3:prefix',
      'S3Client',
      'ListObjectsV2Command',
      { Bucket: 'b', Prefix: 'users/a/' },
      [{ action: 's3:ListBucket', resource: 'arn:aws:s3:::b', context: { 's3:prefix': ['users/a/'] } }],
    ],
    [
      'a batch delete is DeleteMessage on the queue its URL names',
      'SQSClient',
      'DeleteMessageBatchCommand',
      { QueueUrl: 'http://127.0.0.1:4566/111122223333/jobs' },
      [{ action: 'sqs:DeleteMessage', resource: 'arn:aws:sqs:eu-west-1:111122223333:jobs' }],
    ],
    [
      'ConverseStream needs InvokeModelWithResponseStream',
      'BedrockRuntimeClient',
      'ConverseStreamCommand',
      { modelId: 'eu.amazon.nova-lite-v1:0' },
      [
        {
          action: 'bedrock:InvokeModelWithResponseStream',
          resource: 'arn:aws:bedrock:eu-west-1:111122223333:inference-profile/eu.amazon.nova-lite-v1:0',
        },
      ],
    ],
  ])('%s', (_name, clientName, commandName, input, expected) => {
    expect(iamRequestsFor(clientName, commandName, input, WHERE)).toEqual(expected);
  });

  it('resolves model ids, inference profiles and ARNs to the resource Bedrock authorizes', () => {
    expect(modelArn('amazon.nova-lite-v1:0', WHERE)).toBe(
      'arn:aws:bedrock:eu-west-1::foundation-model/amazon.nova-lite-v1:0',
    );
    expect(modelArn('global.anthropic.claude-v1', WHERE)).toBe(
      'arn:aws:bedrock:eu-west-1:111122223333:inference-profile/global.anthropic.claude-v1',
    );
    const arn = 'arn:aws-us-gov:bedrock:us-gov-west-1::foundation-model/amazon.nova-lite-v1:0';
    expect(modelArn(arn, WHERE)).toBe(arn);
  });

  it('refuses a command it has no mapping for', () => {
    expect(() => iamRequestsFor('DynamoDBClient', 'ExecuteStatementCommand', {}, WHERE)).toThrow(UnmappedCommandError);
    expect(() => iamRequestsFor('LambdaClient', 'InvokeCommand', {}, WHERE)).toThrow(UnmappedCommandError);
  });
});

describe('TOOLGATE_LOCAL_IAM', () => {
  it('is on unless set to off, and refuses anything else', () => {
    expect(localIamEnabled({})).toBe(true);
    expect(localIamEnabled({ TOOLGATE_LOCAL_IAM: 'on' })).toBe(true);
    expect(localIamEnabled({ TOOLGATE_LOCAL_IAM: 'off' })).toBe(false);
    expect(() => localIamEnabled({ TOOLGATE_LOCAL_IAM: 'false' })).toThrow(/must be "on" or "off"/);
  });
});
