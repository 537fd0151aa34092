/**
 * One error hierarchy for the whole domain. Each error knows its HTTP status and a stable problem `type`
 * (RFC 9457); the HTTP adapters map them to `application/problem+json` in one place. `detail` is written for
 * the caller and must never contain secrets, stack traces or another user's data. Whether retrying can help is
 * `retryable`, not the status: the queue worker and the workflow steps decide on it, and they never answer HTTP.
 * Errors that carry a retry delay take `(detail, retryAfterSeconds, options)`.
 */
export const PROBLEM_TYPE_PREFIX = 'urn:toolgate:problem:';

export interface FieldIssue {
  /** Dotted path of the offending field, prefixed by where it came from: `query.limit`, `body.message`. */
  field: string;
  message: string;
}

export interface ToolgateErrorOptions {
  detail?: string;
  cause?: unknown;
  headers?: Record<string, string>;
  extensions?: Record<string, unknown>;
}

/**
 * Each subclass names itself with a string literal (`override readonly name = '...'`), as the problem logs and a
 * Lambda's `errorType` show it: a class's own name does not survive minification (the deployed bundles are built
 * without esbuild's `keepNames`, which costs every cold start; see packages/functions/build.ts).
 */
export abstract class ToolgateError extends Error {
  abstract override readonly name: string;
  /**
   * True when the same request may succeed later without any change (a dependency busy, throttled or slow);
   * false when it would fail again. Abstract so that every class decides.
   */
  abstract readonly retryable: boolean;
  readonly status: number;
  readonly slug: string;
  readonly title: string;
  readonly detail: string | undefined;
  readonly headers: Record<string, string>;
  readonly extensions: Record<string, unknown>;

  constructor(status: number, slug: string, title: string, options: ToolgateErrorOptions = {}) {
    super(options.detail ?? title, { cause: options.cause });
    this.status = status;
    this.slug = slug;
    this.title = title;
    this.detail = options.detail;
    this.headers = options.headers ?? {};
    this.extensions = options.extensions ?? {};
  }

  get type(): string {
    return `${PROBLEM_TYPE_PREFIX}${this.slug}`;
  }
}

export class ValidationError extends ToolgateError {
  override readonly name = 'ValidationError';
  override readonly retryable = false;
  readonly issues: FieldIssue[];
  constructor(issues: FieldIssue[], options: ToolgateErrorOptions = {}) {
    const first = issues[0];
    super(400, 'validation', 'Invalid request', {
      detail: first ? `${first.field}: ${first.message}` : 'The request is not valid.',
      ...options,
      extensions: { ...options.extensions, errors: issues },
    });
    this.issues = issues;
  }
}

export class BadRequestError extends ToolgateError {
  override readonly name = 'BadRequestError';
  override readonly retryable = false;
  constructor(detail: string, options: ToolgateErrorOptions = {}) {
    super(400, 'bad-request', 'Bad request', { detail, ...options });
  }
}

/**
 * A webhook whose signature does not verify. Always 400 with one fixed detail: telling the sender which check
 * failed (header, secret, timestamp) would only help someone forging deliveries.
 */
export class InvalidSignatureError extends ToolgateError {
  override readonly name = 'InvalidSignatureError';
  override readonly retryable = false;
  constructor(options: Omit<ToolgateErrorOptions, 'detail'> = {}) {
    super(400, 'invalid-signature', 'Invalid signature', {
      ...options,
      detail: 'The webhook signature could not be verified.',
    });
  }
}

export class UnauthorizedError extends ToolgateError {
  override readonly name = 'UnauthorizedError';
  override readonly retryable = false;
  constructor(detail = 'A valid bearer access token is required.', options: ToolgateErrorOptions = {}) {
    super(401, 'unauthorized', 'Unauthorized', {
      detail,
      ...options,
      headers: { 'WWW-Authenticate': 'Bearer error="invalid_token"', ...options.headers },
    });
  }
}

export class ForbiddenError extends ToolgateError {
  override readonly name = 'ForbiddenError';
  override readonly retryable = false;
  constructor(
    detail = 'The token does not grant the scope this operation requires.',
    options: ToolgateErrorOptions = {},
  ) {
    super(403, 'forbidden', 'Forbidden', {
      detail,
      ...options,
      headers: { 'WWW-Authenticate': 'Bearer error="insufficient_scope"', ...options.headers },
    });
  }
}

export class NotFoundError extends ToolgateError {
  override readonly name = 'NotFoundError';
  override readonly retryable = false;
  constructor(detail = 'No such resource.', options: ToolgateErrorOptions = {}) {
    super(404, 'not-found', 'Not found', { detail, ...options });
  }
}

export class MethodNotAllowedError extends ToolgateError {
  override readonly name = 'MethodNotAllowedError';
  override readonly retryable = false;
  constructor(allowed: readonly string[], options: ToolgateErrorOptions = {}) {
    super(405, 'method-not-allowed', 'Method not allowed', {
      detail: `Allowed: ${allowed.join(', ')}.`,
      ...options,
      headers: { Allow: allowed.join(', '), ...options.headers },
    });
  }
}

export class ConflictError extends ToolgateError {
  override readonly name = 'ConflictError';
  override readonly retryable = false;
  constructor(detail: string, options: ToolgateErrorOptions = {}) {
    super(409, 'conflict', 'Conflict', { detail, ...options });
  }
}

export class PayloadTooLargeError extends ToolgateError {
  override readonly name = 'PayloadTooLargeError';
  override readonly retryable = false;
  constructor(detail: string, options: ToolgateErrorOptions = {}) {
    super(413, 'payload-too-large', 'Payload too large', { detail, ...options });
  }
}

export class UnsupportedMediaTypeError extends ToolgateError {
  override readonly name = 'UnsupportedMediaTypeError';
  override readonly retryable = false;
  constructor(detail: string, options: ToolgateErrorOptions = {}) {
    super(415, 'unsupported-media-type', 'Unsupported media type', { detail, ...options });
  }
}

export class UnprocessableError extends ToolgateError {
  override readonly name = 'UnprocessableError';
  override readonly retryable = false;
  constructor(detail: string, options: ToolgateErrorOptions = {}) {
    super(422, 'unprocessable', 'Unprocessable content', { detail, ...options });
  }
}

export class RateLimitedError extends ToolgateError {
  override readonly name = 'RateLimitedError';
  override readonly retryable = true;
  readonly retryAfterSeconds: number;
  constructor(detail: string, retryAfterSeconds: number, options: ToolgateErrorOptions = {}) {
    const retryAfter = Math.max(1, Math.ceil(retryAfterSeconds));
    super(429, 'rate-limited', 'Too many requests', {
      detail,
      ...options,
      headers: { 'Retry-After': String(retryAfter), ...options.headers },
    });
    this.retryAfterSeconds = retryAfter;
  }
}

export class ServiceUnavailableError extends ToolgateError {
  override readonly name = 'ServiceUnavailableError';
  override readonly retryable = true;
  constructor(
    detail = 'A dependency is unavailable; retry later.',
    retryAfterSeconds = 1,
    options: ToolgateErrorOptions = {},
  ) {
    super(503, 'unavailable', 'Service unavailable', {
      detail,
      ...options,
      headers: { 'Retry-After': String(Math.max(1, Math.ceil(retryAfterSeconds))), ...options.headers },
    });
  }
}

export class GatewayTimeoutError extends ToolgateError {
  override readonly name = 'GatewayTimeoutError';
  override readonly retryable = true;
  constructor(
    detail = 'A dependency did not answer in time; retry later.',
    retryAfterSeconds = 1,
    options: ToolgateErrorOptions = {},
  ) {
    super(504, 'timeout', 'Gateway timeout', {
      detail,
      ...options,
      headers: { 'Retry-After': String(Math.max(1, Math.ceil(retryAfterSeconds))), ...options.headers },
    });
  }
}

/**
 * Stored data this code cannot read (written by an older or buggy version). A 500, logged as one with what failed to
 * parse, because the fault is ours; the record is kept as it is, never replaced by an empty one, so that a fix can
 * still read it. Its detail tells the caller what it can do instead.
 */
export class UnreadableDataError extends ToolgateError {
  override readonly name = 'UnreadableDataError';
  override readonly retryable = false;
  constructor(detail: string, options: ToolgateErrorOptions = {}) {
    super(500, 'unreadable-data', 'Stored data cannot be read', { detail, ...options });
  }
}

/** What every opaque 500 tells the caller. */
export const INTERNAL_ERROR_DETAIL = 'An unexpected error occurred.';

/** The catch-all: its detail is fixed so that nothing of the original error leaks to the caller. */
export class InternalError extends ToolgateError {
  override readonly name = 'InternalError';
  override readonly retryable = false;
  constructor(options: Omit<ToolgateErrorOptions, 'detail'> = {}) {
    super(500, 'internal', 'Internal error', { ...options, detail: INTERNAL_ERROR_DETAIL });
  }
}

export function isToolgateError(error: unknown): error is ToolgateError {
  return error instanceof ToolgateError;
}

/** The RFC 9457 body for an error. */
export interface ProblemDocument {
  type: string;
  title: string;
  status: number;
  detail?: string;
  instance?: string;
  [extension: string]: unknown;
}

export function toProblem(error: ToolgateError, instance?: string): ProblemDocument {
  return {
    ...error.extensions,
    type: error.type,
    title: error.title,
    status: error.status,
    ...(error.detail ? { detail: error.detail } : {}),
    ...(instance ? { instance } : {}),
  };
}
