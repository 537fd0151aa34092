/**
 * Retry and timeout policy of every AWS SDK client toolgate creates, set explicitly at creation instead of left to
 * SDK defaults. Two defaults matter here: the SDK retries 3 times with no overall bound, and its `requestTimeout`
 * only logs a warning unless `throwOnRequestTimeout` is set — a dependency that accepts a connection and never
 * answers would hold a Lambda (and its concurrency slot) until the function's own timeout.
 *
 * Worst case of one call that keeps failing (`worstCaseCallMs`): `maxAttempts x requestTimeoutMs` plus the SDK's
 * jittered backoff between attempts. The request timeout is a wall-clock limit on each attempt from its start, the
 * connection included. Throttling waits longer between attempts (up to 1 s, then 2 s), but its answers are
 * immediate. Every tier's Lambda timeout is above the worst case of each client it uses
 * (`deploy/infra-policy.test.ts`), so a failing dependency ends as a 503/504 problem+json with `Retry-After`, never
 * as the Lambda's or the gateway's own timeout.
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

/**
 * The SDK waits before retry n (0-based) a random time up to `base x 2^n` (smithy's standard retry strategy): base
 * 50 ms after a timeout or a 5xx, 1 s after throttling.
 */
export const SDK_BACKOFF_BASE_MS = { transient: 50, throttling: 1_000 } as const;

/** The longest the SDK can wait in all between the attempts of one call. */
export function maxBackoffMs(maxAttempts: number, kind: keyof typeof SDK_BACKOFF_BASE_MS): number {
  return SDK_BACKOFF_BASE_MS[kind] * (2 ** (maxAttempts - 1) - 1);
}

/** The longest one call can take when every attempt times out: what a tier's Lambda timeout must exceed. */
export function worstCaseCallMs(policy: AwsClientPolicy): number {
  return policy.maxAttempts * policy.requestTimeoutMs + maxBackoffMs(policy.maxAttempts, 'transient');
}
