import { ToolgateError } from '../errors';
import { TRANSIENT_ERROR } from './ingestion';

/**
 * Errors a workflow step throws on purpose. Step Functions matches Retry and Catch on the error's `name` (Lambda
 * reports it as `errorType`), so the names are the contract with the ASL: each is set as a string literal, since the
 * bundles are built without esbuild's `keepNames` (`tests/bundle-names.test.ts` checks them in a deployed-style bundle).
 * They are domain errors like the rest, and `retryable` agrees with the ASL's Retry rules; their status and problem
 * type matter only if one ever reached HTTP. The message (Step Functions' `errorMessage`) is the detail.
 */

/** Worth retrying: a throttled or unavailable dependency. The state machine retries it with backoff and jitter. */
export class TransientError extends ToolgateError {
  override readonly name = TRANSIENT_ERROR;
  override readonly retryable = true;
  constructor(message: string, options?: { cause?: unknown }) {
    // No Retry-After: the state machine's Retry (INGESTION_RETRY) sets the wait, not the step.
    super(503, 'unavailable', 'Service unavailable', { detail: message, cause: options?.cause });
  }
}

export const DOCUMENT_REJECTED = 'DocumentRejected';

/**
 * Retrying cannot help: the document itself is unusable (wrong bytes, no text). Its message is written for the
 * document's owner and becomes the `error` they see in `GET /uploads/{id}`.
 */
export class DocumentRejectedError extends ToolgateError {
  override readonly name = DOCUMENT_REJECTED;
  override readonly retryable = false;
  constructor(message: string, options?: { cause?: unknown }) {
    super(422, 'unprocessable', 'Unprocessable content', { detail: message, cause: options?.cause });
  }
}

/** Step input that is not what the state machine sends: a bug or a forged invoke, never retried. */
export const INVALID_STEP_INPUT = 'InvalidStepInput';

export class InvalidStepInputError extends ToolgateError {
  override readonly name = INVALID_STEP_INPUT;
  override readonly retryable = false;
  constructor(message: string) {
    super(400, 'bad-request', 'Bad request', { detail: message });
  }
}
