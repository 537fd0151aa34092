/**
 * Retry and timeout policy of every AWS SDK client toolgate creates, set explicitly at creation instead of left to
 * SDK defaults. Two defaults matter here: the SDK retries 3 times with no overall bound, and its `requestTimeout`
 * only logs a warning unless `throwOnRequestTimeout` is set — a dependency that accepts a connection and never
 * answers would hold a Lambda (and its concurrency slot) until the function's own timeout.
 *
 * Worst case of one call: `maxAttempts x requestTimeoutMs` plus the SDK's jittered backoff between attempts (under
 * 150 ms in all for a timeout or a 5xx; up to 1 s, then 2 s, for throttling, whose answers are immediate). Every
 * figure keeps that well under the tier's Lambda timeout (public 10 s, webhook 15 s, api 29 s), so a failing
 * dependency ends as a 503/504 problem+json with `Retry-After`, never as the gateway's own timeout.
 */
export interface AwsClientPolicy {
  /** Attempts in total, the first one included (the SDK's `maxAttempts`). */
  maxAttempts: number;
  /** Time allowed to open a connection. */
  connectionTimeoutMs: number;
  /** Time allowed from sending a request to its response; a breach throws `TimeoutError` (and is retried). */
  requestTimeoutMs: number;
}

export const AWS_CLIENT_POLICIES = {
  /** Single-item reads and conditional writes take milliseconds; 3 x 3 s bounds a sick table at ~10 s. */
  dynamodb: { maxAttempts: 3, connectionTimeoutMs: 1_000, requestTimeoutMs: 3_000 },
  /** Head/Put/Get of user documents (up to the upload maximum): more time per attempt. */
  s3: { maxAttempts: 3, connectionTimeoutMs: 1_000, requestTimeoutMs: 8_000 },
  sqs: { maxAttempts: 3, connectionTimeoutMs: 1_000, requestTimeoutMs: 3_000 },
  sfn: { maxAttempts: 3, connectionTimeoutMs: 1_000, requestTimeoutMs: 3_000 },
} as const satisfies Record<string, AwsClientPolicy>;

export type AwsService = keyof typeof AWS_CLIENT_POLICIES;

/**
 * The part of an SDK v3 client configuration that carries the policy: spread it into the client's options.
 * `overrides` exist for tests that need a hang to end in milliseconds.
 */
export function awsClientConfig(service: AwsService, overrides: Partial<AwsClientPolicy> = {}) {
  const policy: AwsClientPolicy = { ...AWS_CLIENT_POLICIES[service], ...overrides };
  return {
    maxAttempts: policy.maxAttempts,
    requestHandler: {
      connectionTimeout: policy.connectionTimeoutMs,
      requestTimeout: policy.requestTimeoutMs,
      throwOnRequestTimeout: true,
    },
  };
}
