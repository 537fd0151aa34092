import { DeleteMessageCommand, ReceiveMessageCommand, SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { QueueUrls } from '../resources/provision';

const MAX_MOVED = 1_000;

/**
 * Moves every message of the jobs DLQ back to the jobs queue, body and message attributes unchanged, as SQS's DLQ
 * redrive (StartMessageMoveTask) does; the local SQS has no move task, so it is receive, send, delete. The worker
 * then decides, as deployed: a job already FAILED stays FAILED (it loads the record and checks its state).
 */
export async function redriveDlq(sqs: SQSClient, urls: QueueUrls): Promise<number> {
  let moved = 0;
  while (moved < MAX_MOVED) {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: urls.jobsDlq,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 0,
        VisibilityTimeout: 30,
        MessageAttributeNames: ['All'],
      }),
    );
    if (Messages.length === 0) break;
    for (const message of Messages) {
      await sqs.send(
        new SendMessageCommand({
          QueueUrl: urls.jobs,
          MessageBody: message.Body ?? '',
          ...(message.MessageAttributes ? { MessageAttributes: message.MessageAttributes } : {}),
        }),
      );
      await sqs.send(new DeleteMessageCommand({ QueueUrl: urls.jobsDlq, ReceiptHandle: message.ReceiptHandle }));
      moved += 1;
    }
  }
  return moved;
}
