import { ReceiveMessageCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSqs } from '../emulators/sqs';
import type { Emulator } from '../emulators/types';
import { LOCAL_CREDENTIALS } from '../local-env';
import { ensureQueues } from '../resources/provision';
import { localQueues } from '../testing/queues';
import { redriveDlq } from './redrive';

const REGION = 'us-east-1';
let emulator: Emulator;
let sqs: SQSClient;

beforeAll(async () => {
  emulator = await startSqs({ region: REGION, accountId: '000000000000' });
  sqs = new SQSClient({ region: REGION, endpoint: emulator.endpoint, credentials: LOCAL_CREDENTIALS });
});
afterAll(async () => {
  sqs.destroy();
  await emulator.stop();
});

describe('the console redrive', () => {
  it('moves every DLQ message back to the jobs queue with its body and attributes, and leaves the DLQ empty', async () => {
    const urls = await ensureQueues(sqs, 'redrive-test', {});
    const queues = localQueues({ endpoint: emulator.endpoint, region: REGION, queueUrls: urls });
    try {
      for (let index = 0; index < 12; index++) {
        await sqs.send(
          new SendMessageCommand({
            QueueUrl: urls.jobsDlq,
            MessageBody: JSON.stringify({ jobId: `job-${index}` }),
            MessageAttributes: { correlationId: { DataType: 'String', StringValue: `req-${index}` } },
          }),
        );
      }
      expect(await redriveDlq(sqs, urls)).toBe(12);
      expect(await queues.depth('jobsDlq')).toEqual({ visible: 0, inFlight: 0 });
      expect((await queues.depth('jobs')).visible).toBe(12);
      const { Messages = [] } = await sqs.send(
        new ReceiveMessageCommand({ QueueUrl: urls.jobs, MaxNumberOfMessages: 10, MessageAttributeNames: ['All'] }),
      );
      const first = Messages[0];
      const index = (JSON.parse(first?.Body ?? '{}') as { jobId: string }).jobId.slice('job-'.length);
      expect(first?.MessageAttributes?.correlationId?.StringValue).toBe(`req-${index}`);
      expect(await redriveDlq(sqs, urls)).toBe(0);
    } finally {
      queues.close();
    }
  });
});
