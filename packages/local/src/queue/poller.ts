import {
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  type Message,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { systemClock } from '@toolgate/core/clock';
import { DEFAULT_CONCURRENCY_BUDGET } from '@toolgate/core/concurrency';
import { JOBS_QUEUE, WORKER_TIMEOUT_SECONDS } from '@toolgate/core/resources';
import type { Context, SQSEvent, SQSMessageAttributes, SQSRecord } from 'aws-lambda';
import { functionContext } from '../gateway/context';

/**
 * The SQS event source mapping, played locally against local-aws-sqs: what Lambda does between a queue and a
 * function, so that the worker handler runs here exactly as it is invoked in AWS.
 *
 * - Batching: long-polls ReceiveMessage (`AttributeNames: ['All']`, so records carry ApproximateReceiveCount), and
 *   once a message is in, keeps gathering for `batchWindowMs` or until `batchSize` messages.
 * - Invocation: a real `SQSEvent` (messageId, receiptHandle, body, attributes, messageAttributes, md5OfBody,
 *   eventSource, eventSourceARN, awsRegion) and a Lambda `Context` whose remaining time is the function timeout.
 * - Outcome: a returned `batchItemFailures` deletes every other message (partial batch response); an invalid
 *   response, an unknown or empty `itemIdentifier`, a throw or a timeout fails the whole batch. Failed messages are
 *   left alone: they become visible again when their visibility timeout ends, and the queue's own redrive policy
 *   moves them to the dead-letter queue after `maxReceiveCount` receives.
 * - Concurrency: at most `concurrency` invocations at once, like the worker's reserved concurrency (and the mapping's
 *   maximum concurrency): while all are busy, no message is received, so none burns a receive count waiting.
 *
 * Differences from AWS, on purpose: one poller instead of a fleet that scales with the backlog; a timed-out
 * invocation keeps running in this process (it cannot be killed), although its slot is freed and its batch failed.
 *
 * Longer than 300 lines on purpose: the mapping's loop (receive, gather, invoke, settle, count) shares its state in
 * one closure; the event shaping and the partial-batch rule above it are pure and tested on their own.
 */

export type SqsHandler = (event: SQSEvent, context: Context) => unknown;

export interface JobsPollerOptions {
  sqs: SQSClient;
  queueUrl: string;
  handler: SqsHandler;
  region: string;
  accountId: string;
  functionName?: string;
  batchSize?: number;
  batchWindowMs?: number;
  /** Long-poll wait of each first ReceiveMessage (0–20 s). */
  waitTimeSeconds?: number;
  /** Pause after an empty short poll, and the step while gathering a batch. */
  pollIntervalMs?: number;
  concurrency?: number;
  /** The function's timeout: the invocation's remaining time, after which its batch fails. */
  timeoutMs?: number;
  /** How long `stop()` waits for running invocations before abandoning them (like a process shutting down). */
  stopGraceMs?: number;
  paused?: boolean;
  onError?: (message: string, error: unknown) => void;
}

export interface PollerStats {
  receives: number;
  received: number;
  invocations: number;
  /** Messages deleted after their invocation succeeded for them. */
  deleted: number;
  /** Messages an invocation reported in `batchItemFailures`. */
  itemFailures: number;
  /** Invocations whose whole batch failed: a throw, a timeout or an invalid response. */
  batchFailures: number;
  timeouts: number;
  running: number;
}

export interface JobsPoller {
  readonly queueArn: string;
  /** Stops receiving; resolves once no receive is in flight (running invocations go on). */
  pause(): Promise<void>;
  resume(): void;
  stats(): PollerStats;
  stop(): Promise<void>;
}

/** The partial batch response's failures; null when the value is not a valid response. */
function batchItemFailures(value: unknown): unknown[] | null {
  if (value === undefined || value === null) return [];
  if (typeof value !== 'object' || Array.isArray(value)) return null;
  const failures = (value as { batchItemFailures?: unknown }).batchItemFailures;
  if (failures === undefined || failures === null) return [];
  return Array.isArray(failures) ? failures : null;
}

type Outcome = { kind: 'returned'; value: unknown } | { kind: 'threw'; error: unknown } | { kind: 'timed-out' };

function toRecord(message: Message, queueArn: string, region: string): SQSRecord {
  const attributes = message.Attributes ?? {};
  const now = String(systemClock());
  const messageAttributes: SQSMessageAttributes = {};
  for (const [name, value] of Object.entries(message.MessageAttributes ?? {})) {
    messageAttributes[name] = {
      dataType: value.DataType ?? 'String',
      ...(value.StringValue !== undefined ? { stringValue: value.StringValue } : {}),
      ...(value.BinaryValue !== undefined ? { binaryValue: Buffer.from(value.BinaryValue).toString('base64') } : {}),
      stringListValues: [],
      binaryListValues: [],
    };
  }
  return {
    messageId: message.MessageId ?? '',
    receiptHandle: message.ReceiptHandle ?? '',
    body: message.Body ?? '',
    attributes: {
      ...attributes,
      ApproximateReceiveCount: attributes.ApproximateReceiveCount ?? '1',
      SentTimestamp: attributes.SentTimestamp ?? now,
      SenderId: attributes.SenderId ?? 'AIDAEXAMPLE',
      ApproximateFirstReceiveTimestamp: attributes.ApproximateFirstReceiveTimestamp ?? now,
    },
    messageAttributes,
    md5OfBody: message.MD5OfBody ?? '',
    ...(message.MD5OfMessageAttributes ? { md5OfMessageAttributes: message.MD5OfMessageAttributes } : {}),
    eventSource: 'aws:sqs',
    eventSourceARN: queueArn,
    awsRegion: region,
  };
}

/** The messages to delete after an invocation, or null when the whole batch failed. */
export function succeededMessages(batch: readonly SQSRecord[], outcome: Outcome): SQSRecord[] | null {
  if (outcome.kind !== 'returned') return null;
  const failures = batchItemFailures(outcome.value);
  if (!failures) return null;
  const ids = new Set(batch.map((record) => record.messageId));
  const failed = new Set<string>();
  for (const failure of failures) {
    const id = (failure as { itemIdentifier?: unknown } | null)?.itemIdentifier;
    // Lambda's rule: an empty, null or unknown identifier makes the whole response invalid.
    if (typeof id !== 'string' || !ids.has(id)) return null;
    failed.add(id);
  }
  return batch.filter((record) => !failed.has(record.messageId));
}

function check(condition: boolean, message: string): void {
  if (!condition) throw new Error(`jobs poller: ${message}`);
}

export async function startJobsPoller(options: JobsPollerOptions): Promise<JobsPoller> {
  const {
    sqs,
    queueUrl,
    handler,
    region,
    accountId,
    functionName = 'toolgate-worker',
    batchSize = JOBS_QUEUE.batchSize,
    batchWindowMs = JOBS_QUEUE.batchWindowSeconds * 1000,
    waitTimeSeconds = Math.min(20, JOBS_QUEUE.batchWindowSeconds),
    pollIntervalMs = 100,
    concurrency = DEFAULT_CONCURRENCY_BUDGET.worker,
    timeoutMs = WORKER_TIMEOUT_SECONDS * 1000,
    stopGraceMs = 5_000,
    onError = () => undefined,
  } = options;
  check(Number.isInteger(batchSize) && batchSize >= 1 && batchSize <= 10, 'batchSize must be 1–10');
  check(
    Number.isInteger(waitTimeSeconds) && waitTimeSeconds >= 0 && waitTimeSeconds <= 20,
    'waitTimeSeconds must be 0–20',
  );
  check(Number.isInteger(concurrency) && concurrency >= 1, 'concurrency must be a positive integer');
  check(batchWindowMs >= 0 && pollIntervalMs > 0 && timeoutMs > 0, 'times must be positive');
  if (typeof handler !== 'function') throw new Error('jobs poller: a handler function is required');

  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn', 'VisibilityTimeout'] }),
  );
  const queueArn = Attributes?.QueueArn;
  if (!queueArn) throw new Error(`jobs poller: no ARN for ${queueUrl}`);
  const arn: string = queueArn;
  // AWS refuses to create a mapping whose queue would redeliver messages while the function may still run them.
  const visibilityMs = Number(Attributes?.VisibilityTimeout ?? 30) * 1000;
  check(visibilityMs >= timeoutMs, `the queue's visibility timeout (${visibilityMs} ms) is below the function timeout`);

  const stats: PollerStats = {
    receives: 0,
    received: 0,
    invocations: 0,
    deleted: 0,
    itemFailures: 0,
    batchFailures: 0,
    timeouts: 0,
    running: 0,
  };
  let paused = options.paused ?? false;
  let stopping = false;
  const stopController = new AbortController();
  /** Woken when something the loop waits for changes: a free slot, resume, stop. */
  let wake: (() => void) | null = null;
  const nudge = () => {
    const resolve = wake;
    wake = null;
    resolve?.();
  };
  const waitForNudge = () => new Promise<void>((resolve) => (wake = resolve));
  const invocations = new Set<Promise<void>>();
  /** The batch being gathered, if any: `pause()` waits for it. */
  let gathering: Promise<Message[]> | null = null;

  /** A sleep that ends early when the poller stops, and leaves no timer behind. */
  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      if (stopping || ms <= 0) return resolve();
      const onStop = () => {
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        stopController.signal.removeEventListener('abort', onStop);
        resolve();
      }, ms);
      stopController.signal.addEventListener('abort', onStop, { once: true });
    });

  async function receive(max: number, wait: number): Promise<Message[]> {
    stats.receives += 1;
    const call = sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: max,
        WaitTimeSeconds: wait,
        // local-aws-sqs returns system attributes for AttributeNames (not MessageSystemAttributeNames).
        AttributeNames: ['All'],
        MessageAttributeNames: ['All'],
      }),
      { abortSignal: stopController.signal },
    );
    const { Messages = [] } = await call;
    stats.received += Messages.length;
    return Messages;
  }

  /** One batch: a long poll for the first messages, then short polls until the batch is full or the window closes. */
  async function gather(): Promise<Message[]> {
    const batch = new Map<string, Message>();
    // A message can come back within one receive if its visibility ends during the long poll: keep its newest copy.
    const add = (messages: Message[]) => {
      for (const message of messages) if (message.MessageId) batch.set(message.MessageId, message);
    };
    if (paused) return [];
    // The window counts from the start of the long poll: local-aws-sqs holds a long poll for its whole wait unless
    // the batch fills (SQS answers as soon as a message is there), so the wait may already have used the window.
    const windowEnd = systemClock() + batchWindowMs;
    add(await receive(batchSize, waitTimeSeconds));
    if (batch.size === 0) return [];
    while (batch.size < batchSize && systemClock() < windowEnd && !stopping && !paused) {
      const more = await receive(batchSize - batch.size, 0);
      add(more);
      if (more.length === 0) await sleep(Math.min(pollIntervalMs, windowEnd - systemClock()));
    }
    return [...batch.values()];
  }

  async function remove(records: SQSRecord[]): Promise<void> {
    for (let i = 0; i < records.length; i += 10) {
      const chunk = records.slice(i, i + 10);
      const { Failed = [] } = await sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: queueUrl,
          Entries: chunk.map((record, index) => ({ Id: String(index), ReceiptHandle: record.receiptHandle })),
        }),
      );
      stats.deleted += chunk.length - Failed.length;
      if (Failed.length > 0) onError(`jobs poller: ${Failed.length} message(s) could not be deleted`, Failed);
    }
  }

  async function invoke(messages: Message[], release: () => void): Promise<void> {
    const records = messages.map((message) => toRecord(message, arn, region));
    const deadline = systemClock() + timeoutMs;
    stats.invocations += 1;
    stats.running += 1;
    let timer: NodeJS.Timeout | undefined;
    const run = Promise.resolve().then(() =>
      handler({ Records: records }, functionContext(functionName, region, accountId, deadline)),
    );
    const outcome = await Promise.race<Outcome>([
      run.then(
        (value): Outcome => ({ kind: 'returned', value }),
        (error: unknown): Outcome => ({ kind: 'threw', error }),
      ),
      new Promise<Outcome>((resolve) => {
        timer = setTimeout(() => resolve({ kind: 'timed-out' }), timeoutMs);
      }),
    ]);
    clearTimeout(timer);
    // The invocation is over for Lambda (returned, threw or timed out): its concurrency is free again.
    stats.running -= 1;
    release();
    if (outcome.kind === 'timed-out') {
      stats.timeouts += 1;
      // It cannot be killed in-process; whatever it does later is fenced by the job's lease.
      run.catch(() => undefined);
    }
    if (outcome.kind === 'threw')
      onError('jobs poller: the worker threw; the whole batch will be retried', outcome.error);
    const succeeded = succeededMessages(records, outcome);
    if (!succeeded) {
      stats.batchFailures += 1;
      return;
    }
    stats.itemFailures += records.length - succeeded.length;
    // After stop() the client is going away: undeleted messages simply come back, as after a crash.
    if (succeeded.length > 0 && !stopping) await remove(succeeded);
  }

  // A counting semaphore like the worker's reserved concurrency.
  let free = concurrency;
  const acquire = async (): Promise<(() => void) | null> => {
    while (free === 0 && !stopping) await waitForNudge();
    if (stopping) return null;
    free -= 1;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      free += 1;
      nudge();
    };
  };

  const loop = (async () => {
    while (!stopping) {
      if (paused) {
        await waitForNudge();
        continue;
      }
      const release = await acquire();
      if (!release) break;
      let batch: Message[];
      try {
        gathering = gather();
        batch = await gathering;
      } catch (error) {
        release();
        if (stopping) break;
        onError('jobs poller: ReceiveMessage failed; retrying', error);
        await sleep(Math.max(pollIntervalMs, 250));
        continue;
      } finally {
        gathering = null;
      }
      if (batch.length === 0) {
        release();
        if (waitTimeSeconds === 0) await sleep(pollIntervalMs);
        continue;
      }
      const invocation = invoke(batch, release).catch((error: unknown) =>
        onError('jobs poller: invocation failed', error),
      );
      invocations.add(invocation);
      void invocation.finally(() => invocations.delete(invocation));
    }
  })();

  return {
    queueArn,
    async pause() {
      paused = true;
      // Messages a receive already took are invoked as usual; after this resolves, none is taken.
      while (gathering) await gathering.catch(() => undefined);
    },
    resume() {
      paused = false;
      nudge();
    },
    stats: () => ({ ...stats }),
    async stop() {
      if (stopping) return loop;
      stopping = true;
      stopController.abort();
      nudge();
      await loop;
      let graceTimer: NodeJS.Timeout | undefined;
      await Promise.race([
        Promise.allSettled([...invocations]),
        new Promise((resolve) => {
          graceTimer = setTimeout(resolve, stopGraceMs);
        }),
      ]);
      clearTimeout(graceTimer);
    },
  };
}
