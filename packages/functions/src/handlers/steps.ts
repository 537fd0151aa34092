import { Logger } from '@aws-lambda-powertools/logger';
import type { Context } from 'aws-lambda';
import { ingestionSteps } from '../deps/steps';

// Not `createLogger` from http/app: that module brings Hono and the JWT verifier, which a non-HTTP tier never uses.
const logger = new Logger({ serviceName: 'toolgate', persistentKeys: { tier: 'steps' } });

/**
 * The steps tier: the ingestion state machine's task handler (not HTTP). The event is the Task's `Payload`,
 * `{ step, uploadId, sub }`; the steps trust nothing else (see core's ingestion-steps). Errors are thrown as they
 * are: their `name` is what the state machine's Retry and Catch match on.
 */
export async function handler(event: unknown, context?: Pick<Context, 'awsRequestId'>) {
  const log = logger.createChild();
  if (context?.awsRequestId) log.setCorrelationId(context.awsRequestId);
  const step = (event as { step?: unknown } | null)?.step;
  const started = performance.now();
  try {
    const outcome = await ingestionSteps.run(event);
    log.info('step', { ...outcome, latencyMs: Math.round(performance.now() - started) });
    return outcome;
  } catch (error) {
    // The step name and the error only: never the payload's other fields, the document text or the cause chain.
    log.warn('step failed', {
      step: typeof step === 'string' ? step.slice(0, 32) : null,
      error: error instanceof Error ? { name: error.name, message: error.message.slice(0, 500) } : String(error),
      latencyMs: Math.round(performance.now() - started),
    });
    throw error;
  }
}
