import { correlationIdOf } from '@toolgate/core/correlation';
import { UploadIdSchema } from '@toolgate/core/uploads/schema';
import { TRANSIENT_ERROR } from '@toolgate/core/workflows/ingestion';
import type { Context } from 'aws-lambda';
import { config } from '../deps/base';
import { ingestionSteps } from '../deps/steps';
import { createTierLogger } from '../logging';
import { createTierMetrics } from '../metrics';

/** This handler's own instance: its ColdStart counts once per tier, even where tiers share a process (locally). */
const metrics = createTierMetrics(config.stage);

const logger = createTierLogger('steps');

const MESSAGE_MAX_CHARS = 500;

/**
 * The error's name and message, and its cause: what a TransientError wraps (a dependency's failure: its name and
 * message), or what a rejection was found from (its name only: a parser's message may quote the document). Never a
 * stack or a longer chain.
 */
function describe(error: unknown) {
  if (!(error instanceof Error)) return { error: { message: String(error).slice(0, MESSAGE_MAX_CHARS) } };
  const cause = error.cause;
  const causeName = cause instanceof Error ? cause.name : typeof cause;
  return {
    error: { name: error.name, message: error.message.slice(0, MESSAGE_MAX_CHARS) },
    ...(cause === undefined
      ? {}
      : {
          cause:
            error.name === TRANSIENT_ERROR && cause instanceof Error
              ? { name: causeName, message: cause.message.slice(0, MESSAGE_MAX_CHARS) }
              : { name: causeName },
        }),
  };
}

/**
 * The steps tier: the ingestion state machine's task handler (not HTTP). The event is the Task's `Payload`,
 * `{ step, uploadId, sub, correlationId }`; the steps trust nothing else (see core's ingestion-steps), and the
 * correlation id (the request id of the `complete` that started the execution) only labels this task's log lines.
 * Errors are thrown as they are: their `name` is what the state machine's Retry and Catch match on.
 */
export async function handler(event: unknown, context?: Partial<Context>) {
  metrics.coldStart(context?.functionName);
  const payload = (event ?? {}) as { step?: unknown; uploadId?: unknown; correlationId?: unknown };
  const correlationId = correlationIdOf(payload.correlationId);
  const log = logger.forInvocation(context, correlationId ? { correlation_id: correlationId } : {});
  const started = performance.now();
  try {
    const outcome = await ingestionSteps.run(event);
    log.info('step', { ...outcome, latencyMs: Math.round(performance.now() - started) });
    return outcome;
  } catch (error) {
    // The step, the upload and the error (with its cause) only: never the owner, the document text or a stack.
    const uploadId = UploadIdSchema.safeParse(payload.uploadId);
    log.warn('step failed', {
      step: typeof payload.step === 'string' ? payload.step.slice(0, 32) : null,
      uploadId: uploadId.success ? uploadId.data : null,
      ...describe(error),
      latencyMs: Math.round(performance.now() - started),
    });
    throw error;
  }
}
