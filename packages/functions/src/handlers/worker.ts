import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { systemClock } from '@toolgate/core/clock';
import { CORRELATION_ATTRIBUTE, correlationIdOf } from '@toolgate/core/correlation';
import { queueNameOfArn } from '@toolgate/core/jobs/aws/queue';
import * as z from '@toolgate/core/zod';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { config } from '../deps/base';
import { jobsQueueName, jobWorker } from '../deps/worker';
import { createTierLogger } from '../logging';
import { createTierMetrics } from '../metrics';

/** This handler's own instance: its ColdStart counts once per tier, even where tiers share a process (locally). */
const metrics = createTierMetrics(config.stage);

/**
 * The worker tier: the jobs queue's event source mapping invokes it with batches of messages. Each record is one job
 * delivery; a record whose job must be retried is reported in `batchItemFailures` (partial batch response), so only
 * it returns to the queue, after its visibility timeout, and reaches the dead-letter queue after `maxReceiveCount`
 * deliveries. The logic is core's `createJobWorker`; this file only adapts the Lambda event.
 */
const logger = createTierLogger('worker');

/** The envelope, validated like any other input (the body itself is validated by the worker). */
const RecordSchema = z.object({
  messageId: z.string().check(z.minLength(1)),
  receiptHandle: z.string(),
  body: z.string(),
  eventSourceARN: z.string(),
  attributes: z.looseObject({ ApproximateReceiveCount: z.catch(z.coerce.number().check(z.int(), z.minimum(1)), 1) }),
  messageAttributes: z.optional(z.record(z.string(), z.looseObject({ stringValue: z.optional(z.unknown()) }))),
});

class RetryLater extends Error {
  constructor(outcome: string) {
    super(`job delivery left for a retry (${outcome})`);
    this.name = 'RetryLater';
  }
}

export async function handler(event: SQSEvent, context: Context): Promise<SQSBatchResponse> {
  metrics.coldStart(context?.functionName);
  const deadlineAt = systemClock() + context.getRemainingTimeInMillis();
  // A child logger (with this invocation's Lambda context) and a processor per invocation: the local poller runs
  // several invocations at once in one process, and a BatchProcessor keeps the state of the batch it is working on.
  // Each job's lines also carry its correlation id (the request that created it), added by the core worker.
  const child = logger.forInvocation(context);
  const log = {
    info: (message: string, attributes: Record<string, unknown> = {}) => child.info(message, attributes),
    warn: (message: string, attributes: Record<string, unknown> = {}) => child.warn(message, attributes),
    error: (message: string, attributes: Record<string, unknown> = {}) => child.error(message, attributes),
  };
  const processor = new BatchProcessor(EventType.SQS);
  return processPartialResponse(
    event,
    async (raw: SQSRecord) => {
      const record = RecordSchema.safeParse(raw);
      if (!record.success) throw new RetryLater('malformed record');
      if (queueNameOfArn(record.data.eventSourceARN) !== jobsQueueName) {
        // Not the jobs queue: nothing this worker may act on (and nothing to retry).
        log.warn('record from another event source ignored', { messageId: record.data.messageId });
        return;
      }
      const outcome = await jobWorker.process(
        {
          messageId: record.data.messageId,
          receiptHandle: record.data.receiptHandle,
          body: record.data.body,
          receiveCount: record.data.attributes.ApproximateReceiveCount,
          correlationId: correlationIdOf(record.data.messageAttributes?.[CORRELATION_ATTRIBUTE]?.stringValue),
        },
        { deadlineAt, log },
      );
      if (outcome === 'retry') throw new RetryLater(outcome);
    },
    processor,
    // Every record failing is still a partial response (all ids listed), not an exception: same effect, clearer logs.
    { context, throwOnFullBatchFailure: false },
  );
}
