/** How the job worker (worker.ts) reads a failed attempt: what the owner is told, whether to retry, and when. */
import { GatewayTimeoutError, isToolgateError } from '../errors';
import { CorruptJobError } from './aws/repository';
import type { JobError } from './schema';

export function errorName(error: unknown) {
  return error instanceof Error ? { name: error.name, message: error.message } : { message: String(error) };
}

/** What the owner reads about a failure, and whether retrying could help. */
export function describeFailure(error: unknown): { error: JobError; permanent: boolean } {
  if (error instanceof CorruptJobError) {
    return { error: { code: 'invalid-job', message: 'The stored job could not be read.' }, permanent: true };
  }
  if (isToolgateError(error)) {
    const message = error.detail ?? error.title;
    if (error.retryable) {
      return {
        error: { code: error instanceof GatewayTimeoutError ? 'timeout' : 'model-unavailable', message },
        permanent: false,
      };
    }
    // The request's own fault fails again on every attempt.
    if (error.status < 500) return { error: { code: error.slug, message }, permanent: true };
  }
  // Our own fault, known or not, may still be a passing one (a lost connection nothing classified): retried until the
  // last delivery.
  return { error: { code: 'internal', message: 'The job failed unexpectedly.' }, permanent: false };
}

/** Seconds before a failed attempt's message is delivered again: `base`, doubling per attempt, at most 15 min. */
export function retryDelaySeconds(base: number, attempt: number): number {
  return Math.min(900, base * 2 ** Math.max(0, attempt - 1));
}
