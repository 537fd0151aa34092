import { runAgent } from '../agent/loop';
import type { ModelProvider } from '../agent/provider';
import type { Caller } from '../auth/verifier';
import { type Clock, systemClock } from '../clock';
import { nowSeconds } from '../data/dynamo';
import { recordModelUsage } from '../metrics/events';
import { type Metrics, noMetrics } from '../metrics/port';
import type { ToolRegistry } from '../tools/registry';
import type { DeliveryControl } from './aws/queue';
import { CorruptJobError, type JobsRepository } from './aws/repository';
import type { ResultStore } from './aws/results';
import type { JobsConfig } from './config';
import type { JobFinalizer } from './finalize';
import type { JobRecord } from './record';
import { isTerminal, type JobError, JobMessageSchema, type JobResult, jobMessages } from './schema';
import { describeFailure, errorName, retryDelaySeconds } from './worker-failure';

/** One SQS message as the worker sees it (the Lambda adapter maps `SQSRecord` onto this). */
export interface JobDelivery {
  messageId: string;
  receiptHandle: string;
  body: string;
  /** `ApproximateReceiveCount`: 1 on the first delivery. */
  receiveCount: number;
  /**
   * The message attribute `correlationId`, already checked to be one (`correlationIdOf`). It labels the log lines
   * written before the job is loaded; after that the job's stored id is used (the message is not trusted).
   */
  correlationId?: string;
}

/**
 * - `succeeded` / `failed`: the job reached that state in this delivery;
 * - `skipped`: nothing to do (already finished, no such job, or a delivery SQS does not vouch for);
 * - `retry`: leave the message in the queue: it comes back after its visibility timeout, or SQS moves it to the
 *   dead-letter queue once it has been received `maxReceiveCount` times.
 */
export type DeliveryOutcome = 'succeeded' | 'failed' | 'skipped' | 'retry';

export interface JobWorkerLog {
  info(message: string, attributes?: Record<string, unknown>): void;
  warn(message: string, attributes?: Record<string, unknown>): void;
  error(message: string, attributes?: Record<string, unknown>): void;
}

export interface JobWorkerOptions {
  jobs: JobsRepository;
  delivery: DeliveryControl;
  results: ResultStore;
  finalize: JobFinalizer;
  provider: ModelProvider;
  registry: ToolRegistry;
  config: JobsConfig;
  /** The queue's redrive `maxReceiveCount`: a failure on that delivery is the job's last. */
  maxReceiveCount: number;
  log?: JobWorkerLog;
  now?: Clock;
  /** Job deliveries by outcome and how long they ran (`Jobs`, `JobDuration`), and the tokens spent. */
  metrics?: Metrics;
}

export interface Invocation {
  /** Epoch ms at which the runtime stops this invocation (Lambda: now + getRemainingTimeInMillis()). */
  deadlineAt: number;
  /** This invocation's logger (with its request id), instead of the worker's. */
  log?: JobWorkerLog;
}

/** A job item is at most 400 KB: an inline result must fit next to the stored request. */
const ITEM_BUDGET_BYTES = 340_000;
/** Below this much time left, an invocation does not start a job (it could not even record its start). */
const MIN_START_MS = 1_000;

const quiet: JobWorkerLog = { info: () => undefined, warn: () => undefined, error: () => undefined };

/** `log` with `correlation_id` on every line (Powertools' correlation id field). */
export function withCorrelation(log: JobWorkerLog, correlationId: string | undefined): JobWorkerLog {
  if (!correlationId) return log;
  const keys = { correlation_id: correlationId };
  return {
    info: (message, attributes) => log.info(message, { ...attributes, ...keys }),
    warn: (message, attributes) => log.warn(message, { ...attributes, ...keys }),
    error: (message, attributes) => log.error(message, { ...attributes, ...keys }),
  };
}

/**
 * The queue worker. It trusts nothing in a message but a job id: it proves the delivery with SQS, loads the job,
 * and acts only as the job's stored owner, with the scopes stored with it. A conditional QUEUED → RUNNING write
 * (or the take-over of a RUNNING job whose lease ran out) decides which delivery runs the job; every later write is
 * fenced by that attempt number, so a redelivered or duplicate message cannot run it twice, and a worker that lost
 * its lease cannot overwrite the winner. One result and one usage record per job, whatever SQS redelivers.
 */
export function createJobWorker(options: JobWorkerOptions) {
  const { jobs, delivery, results, finalize, provider, registry, config, maxReceiveCount, now = systemClock } = options;
  const workerLog = options.log ?? quiet;
  const metrics = options.metrics ?? noMetrics;
  if (!Number.isInteger(maxReceiveCount) || maxReceiveCount < 1) throw new Error('worker: maxReceiveCount must be ≥ 1');
  const iso = () => new Date(now()).toISOString();
  const retainUntil = () => nowSeconds(now()) + config.retentionDays * 24 * 3600;

  async function run(record: JobRecord, invocation: Invocation, log: JobWorkerLog): Promise<JobResult> {
    const options = record.request.options ?? {};
    const started = now();
    const remaining = invocation.deadlineAt - started;
    // Time kept back to store the result before the invocation is stopped.
    const reserve = Math.min(15_000, Math.max(200, remaining * 0.2));
    const budget = Math.min(config.deadlineMs, (options.deadlineSeconds ?? Number.POSITIVE_INFINITY) * 1000);
    const caller: Caller = { sub: record.owner, scopes: record.scopes, clientId: record.clientId };
    const outcome = await runAgent({
      provider,
      registry,
      caller,
      messages: jobMessages(record.request),
      stepCap: Math.min(options.stepCap ?? config.stepCap, config.maxStepCap),
      deadlineAt: Math.min(started + budget, invocation.deadlineAt - reserve),
      maxOutputTokens: options.maxOutputTokens ?? config.maxOutputTokens,
      onToolError: (error, call) =>
        log.error('tool failed in job', { jobId: record.jobId, tool: call.name, error: errorName(error) }),
      now,
    });
    return { reply: outcome.reply, stoppedBy: outcome.stoppedBy, toolCalls: outcome.toolCalls, usage: outcome.usage };
  }

  /** Stores the result (inline, or in S3 when large) and moves the job to SUCCEEDED, if `attempt` still owns it. */
  async function complete(record: JobRecord, attempt: number, result: JobResult): Promise<JobRecord | null> {
    const json = JSON.stringify(result);
    const bytes = Buffer.byteLength(json);
    const requestBytes = Buffer.byteLength(JSON.stringify(record.request));
    const inline = bytes <= config.inlineResultMaxBytes && bytes + requestBytes <= ITEM_BUDGET_BYTES;
    const base = { usage: result.usage, at: iso(), expiresAt: retainUntil() };
    if (inline) return jobs.complete(record.jobId, attempt, { ...base, result });
    // The object key is per job: write it only while this attempt still holds the lease, so that a worker that lost
    // it cannot replace the winner's object.
    if (!(await jobs.holdsLease(record.jobId, attempt, now(), iso()))) return null;
    const resultRef = await results.put(record.owner, record.jobId, json);
    return jobs.complete(record.jobId, attempt, { ...base, resultRef });
  }

  async function fail(
    record: JobRecord,
    attempt: number,
    failure: unknown,
    message: JobDelivery,
    log: JobWorkerLog,
  ): Promise<DeliveryOutcome> {
    const { error, permanent } = describeFailure(failure);
    const last = message.receiveCount >= maxReceiveCount;
    const context = { jobId: record.jobId, attempt, receiveCount: message.receiveCount, code: error.code };
    if (permanent || last) {
      const final: JobError = permanent
        ? error
        : {
            code: 'attempts-exhausted',
            message: `The job failed on all ${maxReceiveCount} attempts; the last error: ${error.message}`,
          };
      const failed = await jobs.fail(record.jobId, final, iso(), retainUntil(), { kind: 'attempt', attempt });
      if (failed) await finalize(failed);
      log.warn('job failed', { ...context, permanent, error: errorName(failure) });
      // A job that failed for good has nothing left to retry. After the last attempt the message is still left to SQS,
      // which moves it to the dead-letter queue: the evidence operators alarm on and inspect.
      return permanent ? 'failed' : 'retry';
    }
    const requeued = await jobs.requeue(record.jobId, attempt, error, iso());
    if (requeued) {
      await delivery
        .retryIn(message.receiptHandle, retryDelaySeconds(config.retryDelaySeconds, attempt))
        .catch((visibilityError: unknown) =>
          log.warn('could not set the retry delay', { ...context, error: errorName(visibilityError) }),
        );
    }
    log.warn('job attempt failed; it will be retried', { ...context, error: errorName(failure) });
    return 'retry';
  }

  async function process(message: JobDelivery, invocation: Invocation): Promise<DeliveryOutcome> {
    const invocationLog = invocation.log ?? workerLog;
    let log = withCorrelation(invocationLog, message.correlationId);
    const remaining = invocation.deadlineAt - now();
    if (remaining < MIN_START_MS) return 'retry';
    // Proving the delivery also makes the message invisible until this invocation's end (plus a margin): it is not
    // delivered again while the job may still be running, and comes back soon after if this worker dies.
    const visibleAgainIn = remaining / 1000 + Math.max(1, remaining / 10_000);
    if (!(await delivery.hold(message.receiptHandle, visibleAgainIn))) {
      log.warn('delivery not recognised by SQS; ignored', { messageId: message.messageId });
      return 'skipped';
    }

    let parsed: unknown;
    try {
      parsed = JSON.parse(message.body);
    } catch {
      parsed = undefined;
    }
    const body = JobMessageSchema.safeParse(parsed);
    if (!body.success) {
      // A poison message: retried like any failure (maxReceiveCount times), then moved to the dead-letter queue.
      log.error('invalid job message', { messageId: message.messageId, receiveCount: message.receiveCount });
      await delivery.retryIn(message.receiptHandle, retryDelaySeconds(config.retryDelaySeconds, message.receiveCount));
      return 'retry';
    }
    const { jobId } = body.data;

    let record: JobRecord | null;
    try {
      record = await jobs.get(jobId);
    } catch (error) {
      if (!(error instanceof CorruptJobError)) throw error;
      await jobs.failUnreadable(jobId, describeFailure(error).error, iso(), retainUntil());
      log.error('unreadable job failed', { jobId, error: errorName(error) });
      return 'failed';
    }
    if (!record) {
      log.warn('no such job; message dropped', { jobId, messageId: message.messageId });
      return 'skipped';
    }
    // From here on, the id stored with the job (set from the gateway request that created it), not the message's.
    if (record.correlationId) log = withCorrelation(invocationLog, record.correlationId);
    if (isTerminal(record.status)) {
      // A redelivery or a duplicate: finishing touches only (each idempotent), then the message can go.
      await finalize(record);
      return 'skipped';
    }

    const taken = await jobs.take(jobId, {
      now: now(),
      at: iso(),
      leaseUntil: invocation.deadlineAt,
      receiveCount: message.receiveCount,
    });
    if (!taken) {
      const current = await jobs.get(jobId);
      if (current && isTerminal(current.status)) {
        await finalize(current);
        return 'skipped';
      }
      // Another attempt holds a live lease: look again when this message is next delivered.
      log.info('job is running elsewhere; retry later', { jobId, receiveCount: message.receiveCount });
      return 'retry';
    }
    const attempt = taken.attempts;
    log.info('job started', { jobId, attempt, receiveCount: message.receiveCount });
    const startedAt = now();
    const outcome = await attemptJob(taken, attempt, message, invocation, log);
    const counted = outcome === 'succeeded' ? 'succeeded' : outcome === 'failed' ? 'failed' : 'retried';
    metrics.record('Jobs', 1, { outcome: counted });
    metrics.record('JobDuration', Math.max(0, now() - startedAt), { outcome: counted });
    return outcome;
  }

  /** One attempt at a job this delivery took. */
  async function attemptJob(
    taken: JobRecord,
    attempt: number,
    message: JobDelivery,
    invocation: Invocation,
    log: JobWorkerLog,
  ): Promise<DeliveryOutcome> {
    const { jobId } = taken;
    let completed: JobRecord | null;
    try {
      const result = await run(taken, invocation, log);
      recordModelUsage(metrics, provider.name, result.usage);
      completed = await complete(taken, attempt, result);
    } catch (error) {
      return fail(taken, attempt, error, message, log);
    }
    if (!completed) {
      // Overtaken (this attempt's lease ran out and another delivery took the job over): that one finishes it.
      log.warn('job lease lost before completion', { jobId, attempt });
      return 'retry';
    }
    await finalize(completed);
    log.info('job succeeded', { jobId, attempt, ...completed.usage });
    return 'succeeded';
  }

  return { process };
}
export type JobWorker = ReturnType<typeof createJobWorker>;
