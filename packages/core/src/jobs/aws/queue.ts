import { ChangeMessageVisibilityCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { CORRELATION_ATTRIBUTE } from '../../correlation';
import { awsClientConfig } from '../../data/aws-client-config';
import { withClientPlugins } from '../../data/aws-client-plugins';
import type { JobMessage } from '../schema';

/** The jobs queue as the API and the worker use it: send a job id; prove and extend a delivery. */

export interface JobQueue {
  /** `correlationId` travels as the message attribute `correlationId` (a log label; the body stays the job id). */
  send(jobId: string, correlationId?: string): Promise<{ messageId: string }>;
}

export interface DeliveryControl {
  /**
   * Proves that a receipt handle belongs to a message SQS really delivered from the jobs queue (a forged event, e.g.
   * a direct `lambda:Invoke`, has none), and makes the message invisible for `seconds`. False for a handle SQS does
   * not recognise; other errors (throttling, network) are thrown.
   */
  hold(receiptHandle: string, seconds: number): Promise<boolean>;
  /** Makes the message visible again after `seconds` (the retry delay of a failed attempt). */
  retryIn(receiptHandle: string, seconds: number): Promise<void>;
}

/** What SQS answers for a receipt handle that is not (or no longer) valid for this queue. */
const UNRECOGNISED = new Set([
  'ReceiptHandleIsInvalid',
  'MessageNotInflight',
  'InvalidParameterValue',
  'InvalidParameterValueException',
  'AWS.SimpleQueueService.MessageNotInflight',
]);

export function isUnrecognisedReceipt(error: unknown): boolean {
  const { name, Code } = (error ?? {}) as { name?: string; Code?: string };
  return UNRECOGNISED.has(name ?? '') || UNRECOGNISED.has(Code ?? '');
}

/** `https://sqs.<region>.amazonaws.com/<account>/<name>` (or an emulator's URL) → `<name>`. */
export function queueNameOfUrl(url: string): string {
  return new URL(url).pathname.split('/').filter(Boolean).at(-1) ?? '';
}

/** `arn:aws:sqs:<region>:<account>:<name>` → `<name>`. */
export function queueNameOfArn(arn: string): string {
  return arn.split(':').at(-1) ?? '';
}

/** The endpoint comes from the SDK's own `AWS_ENDPOINT_URL_SQS` locally, as for every other client. */
export function createSqsClient(options: { region: string }): SQSClient {
  return withClientPlugins(new SQSClient({ ...awsClientConfig('sqs'), region: options.region }));
}

export function createSqsJobQueue(sqs: SQSClient, queueUrl: string): JobQueue & DeliveryControl {
  const visibility = async (receiptHandle: string, seconds: number) => {
    await sqs.send(
      new ChangeMessageVisibilityCommand({
        QueueUrl: queueUrl,
        ReceiptHandle: receiptHandle,
        // SQS takes whole seconds, at most 12 h.
        VisibilityTimeout: Math.min(43_200, Math.max(0, Math.ceil(seconds))),
      }),
    );
  };
  return {
    async send(jobId, correlationId) {
      const message: JobMessage = { jobId };
      const { MessageId } = await sqs.send(
        new SendMessageCommand({
          QueueUrl: queueUrl,
          MessageBody: JSON.stringify(message),
          ...(correlationId
            ? { MessageAttributes: { [CORRELATION_ATTRIBUTE]: { DataType: 'String', StringValue: correlationId } } }
            : {}),
        }),
      );
      if (!MessageId) throw new Error('SendMessage returned no MessageId');
      return { messageId: MessageId };
    },
    async hold(receiptHandle, seconds) {
      if (receiptHandle.length === 0 || receiptHandle.length > 8192) return false;
      try {
        await visibility(receiptHandle, seconds);
        return true;
      } catch (error) {
        if (isUnrecognisedReceipt(error)) return false;
        throw error;
      }
    },
    retryIn: visibility,
  };
}
