import { TRANSIENT_ERROR } from './ingestion';

/**
 * Errors a workflow step throws on purpose. Step Functions matches Retry and Catch on the error's `name` (Lambda
 * reports it as `errorType`), so the names are the contract with the ASL: each is set as a string literal, since the
 * bundles are built without esbuild's `keepNames` (`tests/bundle-names.test.ts` checks them in a deployed-style bundle).
 */

/** Worth retrying: a throttled or unavailable dependency. The state machine retries it with backoff and jitter. */
export class TransientError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = TRANSIENT_ERROR;
  }
}

export const DOCUMENT_REJECTED = 'DocumentRejected';

/**
 * Retrying cannot help: the document itself is unusable (wrong bytes, no text). Its message is written for the
 * document's owner and becomes the `error` they see in `GET /uploads/{id}`.
 */
export class DocumentRejectedError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = DOCUMENT_REJECTED;
  }
}

/** Step input that is not what the state machine sends: a bug or a forged invoke, never retried. */
export const INVALID_STEP_INPUT = 'InvalidStepInput';

export class InvalidStepInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = INVALID_STEP_INPUT;
  }
}
