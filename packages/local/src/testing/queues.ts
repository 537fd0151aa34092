import {
  CreateQueueCommand,
  DeleteQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { LOCAL_CREDENTIALS } from '../local-env';
import { createJobsQueueInput } from '../resources/definitions';

export interface QueuesLocation {
  /** The emulator's endpoint (`runtime.endpoints.sqs`). */
  endpoint: string;
  region: string;
  /** `runtime.queueUrls`. */
  queueUrls: { jobs: string; jobsDlq: string };
}

export interface PeekedMessage {
  messageId: string;
  body: string;
  receiveCount: number;
  attributes: Record<string, string>;
}

/**
 * Direct access to the local jobs queues, for tests that must see what is (or is not) queued, put a raw message on
 * a queue the way a buggy or hostile sender would, or make the queue fail for a while.
 */
export function localQueues(location: QueuesLocation) {
  const sqs = new SQSClient({ region: location.region, endpoint: location.endpoint, credentials: LOCAL_CREDENTIALS });
  const urlOf = (queue: 'jobs' | 'jobsDlq') => location.queueUrls[queue];
  return {
    /** Sends a raw body, as the API (or anything with SendMessage rights) would. */
    async send(queue: 'jobs' | 'jobsDlq', body: string): Promise<string> {
      const { MessageId } = await sqs.send(new SendMessageCommand({ QueueUrl: urlOf(queue), MessageBody: body }));
      return MessageId ?? '';
    },

    /** The messages visible now, received with a zero visibility timeout so that they stay where they are. */
    async peek(queue: 'jobs' | 'jobsDlq'): Promise<PeekedMessage[]> {
      const { Messages = [] } = await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: urlOf(queue),
          MaxNumberOfMessages: 10,
          WaitTimeSeconds: 0,
          VisibilityTimeout: 0,
          AttributeNames: ['All'],
        }),
      );
      // With a zero visibility timeout the emulator hands the same message out again within one receive.
      const unique = [...new Map(Messages.map((message) => [message.MessageId, message])).values()];
      return unique.map((message) => ({
        messageId: message.MessageId ?? '',
        body: message.Body ?? '',
        receiveCount: Number(message.Attributes?.ApproximateReceiveCount ?? 0),
        attributes: message.Attributes ?? {},
      }));
    },

    /** Approximate counts, as CloudWatch would chart them. */
    async depth(queue: 'jobs' | 'jobsDlq'): Promise<{ visible: number; inFlight: number }> {
      const { Attributes = {} } = await sqs.send(
        new GetQueueAttributesCommand({
          QueueUrl: urlOf(queue),
          AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
        }),
      );
      return {
        visible: Number(Attributes.ApproximateNumberOfMessages ?? 0),
        inFlight: Number(Attributes.ApproximateNumberOfMessagesNotVisible ?? 0),
      };
    },

    /** Deletes the jobs queue (every SendMessage then fails), and returns how to put it back as it was. */
    async breakJobsQueue(): Promise<() => Promise<void>> {
      const { Attributes = {} } = await sqs.send(
        new GetQueueAttributesCommand({ QueueUrl: urlOf('jobs'), AttributeNames: ['VisibilityTimeout'] }),
      );
      const { Attributes: dlq = {} } = await sqs.send(
        new GetQueueAttributesCommand({ QueueUrl: urlOf('jobsDlq'), AttributeNames: ['QueueArn'] }),
      );
      await sqs.send(new DeleteQueueCommand({ QueueUrl: urlOf('jobs') }));
      const name = new URL(urlOf('jobs')).pathname.split('/').at(-1) ?? '';
      return async () => {
        const input = createJobsQueueInput(name, dlq.QueueArn ?? '', {
          visibilityTimeoutSeconds: Number(Attributes.VisibilityTimeout),
        });
        await sqs.send(new CreateQueueCommand(input));
      };
    },

    close: () => sqs.destroy(),
  };
}
