/**
 * Recognises the AWS SDK v3 failures that mean "a dependency is overloaded, down or slow" — as opposed to a bug or
 * a refused request — so that the HTTP adapters can answer them in one place with 503/504 and `Retry-After`.
 * Only errors that went through an SDK client qualify (they carry `$metadata`, which the SDK's retry middleware
 * adds to every error it gives up on, service exceptions and network errors alike).
 */
export type DependencyFailure = 'unavailable' | 'timeout';

/** Throttling error names across the services toolgate calls (the SDK's own list, plus DynamoDB's). */
const THROTTLING = new Set([
  'ThrottlingException',
  'Throttling',
  'ThrottledException',
  'RequestThrottledException',
  'TooManyRequestsException',
  'ProvisionedThroughputExceededException',
  'RequestLimitExceeded',
  'TransactionInProgressException',
  'RequestThrottled',
  'SlowDown',
  'PriorRequestNotComplete',
  'EC2ThrottledException',
  'LimitExceededException',
  'ServiceQuotaExceededException',
  'KMSThrottlingException',
]);

/** Server-side faults that are reported with a 4xx-looking name or no status at all. */
const UNAVAILABLE = new Set([
  'ServiceUnavailable',
  'ServiceUnavailableException',
  'InternalServerError',
  'InternalServerException',
  'InternalFailure',
  'InternalError',
  'BandwidthLimitExceeded',
]);

const TIMEOUT_NAMES = new Set(['TimeoutError', 'RequestTimeout', 'RequestTimeoutException']);
const TIMEOUT_CODES = new Set(['ETIMEDOUT', 'ESOCKETTIMEDOUT', 'ECONNABORTED']);
/** Connection-level failures: the endpoint is unreachable right now. */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
]);

interface SdkErrorShape {
  name?: unknown;
  code?: unknown;
  $fault?: unknown;
  $retryable?: { throttling?: unknown } | null;
  $metadata?: { httpStatusCode?: unknown } | null;
  cause?: unknown;
}

function isSdkError(error: unknown): error is SdkErrorShape {
  return typeof error === 'object' && error !== null && typeof (error as SdkErrorShape).$metadata === 'object';
}

function classifyOne(error: SdkErrorShape): DependencyFailure | null {
  const name = typeof error.name === 'string' ? error.name : '';
  const code = typeof error.code === 'string' ? error.code : '';
  const status = typeof error.$metadata?.httpStatusCode === 'number' ? error.$metadata.httpStatusCode : undefined;
  if (TIMEOUT_NAMES.has(name) || TIMEOUT_CODES.has(code) || status === 504) return 'timeout';
  if (error.$retryable?.throttling || THROTTLING.has(name) || status === 429) return 'unavailable';
  if (UNAVAILABLE.has(name) || error.$fault === 'server' || (status !== undefined && status >= 500)) {
    return 'unavailable';
  }
  if (NETWORK_CODES.has(code)) return 'unavailable';
  return null;
}

/**
 * `unavailable` (throttled, 5xx, unreachable), `timeout`, or null for anything else — client errors such as
 * `ValidationException` or `AccessDenied` are bugs or misconfiguration and stay 500s. Follows `cause` a few levels,
 * for libraries that wrap SDK errors (Powertools idempotency, for one).
 */
export function classifyAwsError(error: unknown): DependencyFailure | null {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && typeof current === 'object' && current !== null; depth++) {
    if (isSdkError(current)) {
      const failure = classifyOne(current);
      if (failure) return failure;
    }
    current = (current as SdkErrorShape).cause;
  }
  return null;
}
