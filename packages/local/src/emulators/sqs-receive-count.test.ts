import {
  ChangeMessageVisibilityCommand,
  CreateQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_CREDENTIALS } from '../local-env';
import { sleep } from '../testing/fixtures';
import { startSqs } from './sqs';
import type { Emulator } from './types';

let emulator: Emulator;
let sqs: SQSClient;
beforeAll(async () => {
  emulator = await startSqs({ region: 'us-east-1', accountId: '000000000000' });
  sqs = new SQSClient({ region: 'us-east-1', endpoint: emulator.endpoint, credentials: LOCAL_CREDENTIALS });
});
afterAll(async () => {
  sqs.destroy();
  await emulator.stop();
});

describe('the local SQS emulator', () => {
  it('counts receives only, as SQS does: ChangeMessageVisibility does not bring redrive closer', async () => {
    const dlq = await sqs.send(new CreateQueueCommand({ QueueName: 'count-dlq' }));
    const { Attributes } = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: dlq.QueueUrl, AttributeNames: ['QueueArn'] }),
    );
    const { QueueUrl } = await sqs.send(
      new CreateQueueCommand({
        QueueName: 'count',
        Attributes: {
          VisibilityTimeout: '1',
          RedrivePolicy: JSON.stringify({ deadLetterTargetArn: Attributes?.QueueArn, maxReceiveCount: 2 }),
        },
      }),
    );
    await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'x' }));
    const receive = () =>
      sqs.send(
        new ReceiveMessageCommand({ QueueUrl, AttributeNames: ['All'], MaxNumberOfMessages: 1, WaitTimeSeconds: 0 }),
      );
    const first = (await receive()).Messages?.[0];
    expect(first?.Attributes?.ApproximateReceiveCount).toBe('1');
    for (const seconds of [1, 1, 1]) {
      await sqs.send(
        new ChangeMessageVisibilityCommand({
          QueueUrl,
          ReceiptHandle: first?.ReceiptHandle,
          VisibilityTimeout: seconds,
        }),
      );
    }
    await sleep(1200);
    const second = (await receive()).Messages?.[0];
    expect(second?.Attributes?.ApproximateReceiveCount).toBe('2');
    await expect(
      sqs.send(new ChangeMessageVisibilityCommand({ QueueUrl, ReceiptHandle: 'forged', VisibilityTimeout: 1 })),
    ).rejects.toMatchObject({ name: 'ReceiptHandleIsInvalid' });
  });
});
