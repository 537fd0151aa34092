/**
 * The document ingestion workflow as hand-written Amazon States Language (JSONPath). Plain data on purpose:
 * infra deploys exactly this JSON with `aws.sfn.StateMachine`, and the local runtime runs the same JSON with
 * aws-local-stepfunctions, which ignores JSONata (so `sst.aws.StepFunctions`, which emits JSONata, is not used).
 *
 * Input is `{ uploadId, sub, correlationId }` and nothing else. Every task passes only those (plus its step name) to
 * the steps Lambda (the correlation id only labels its log lines), which re-loads the document by id and checks its owner and state: no task trusts a payload
 * field, and `ResultPath: null` keeps task output out of the state so it cannot grow or be forged.
 */

export const INGESTION_STEPS = ['validate', 'extractText', 'summarize', 'store', 'markReady', 'markFailed'] as const;
export type IngestionStep = (typeof INGESTION_STEPS)[number];

/** What the steps Lambda receives as `event` for every task. `error` only for `markFailed` (informational). */
export interface IngestionTaskPayload {
  step: IngestionStep;
  uploadId: string;
  sub: string;
  /** The request id of the `POST /uploads/{id}/complete` that started the execution: a log label, nothing more. */
  correlationId: string;
  error?: { Error: string; Cause?: string };
}

export interface IngestionInput {
  uploadId: string;
  sub: string;
  correlationId: string;
}

/** Throw an error with this `name` from a step for a failure worth retrying (a model timeout, a throttled call). */
export const TRANSIENT_ERROR = 'TransientError';

/** What the Lambda integration reports when the steps function's reserved concurrency is exhausted. */
export const LAMBDA_THROTTLED = 'Lambda.TooManyRequestsException';

/** Errors retried with backoff: Lambda's service errors and the steps' TransientError (throttling has its own rule). */
export const RETRYABLE_ERRORS = [
  'Lambda.ServiceException',
  'Lambda.AWSLambdaException',
  'Lambda.SdkClientException',
  TRANSIENT_ERROR,
] as const;

/** A step that failed (a dependency down): ~1 minute of retries at most, then the upload is marked FAILED. */
export const INGESTION_RETRY = {
  intervalSeconds: 2,
  maxAttempts: 5,
  backoffRate: 2,
  maxDelaySeconds: 30,
} as const;

/**
 * Throttling has its own, longer budget. The steps function has a small reserved concurrency (5), so a burst of
 * uploads is throttled by design; a throttled invoke never ran (nothing to undo), and the burst drains as executions
 * finish. Worst case ~12.6 minutes of waiting per state (full jitter: about half of it on average), against ~1
 * minute for the other errors, and still well inside the execution timeout.
 */
export const THROTTLE_RETRY = {
  intervalSeconds: 5,
  maxAttempts: 10,
  backoffRate: 2,
  maxDelaySeconds: 120,
} as const;

/** The whole execution gives up after this long (Standard workflows would otherwise run for a year). */
export const INGESTION_TIMEOUT_SECONDS = 30 * 60;

/** The steps Lambda's timeout: a task invoked just before the execution timed out may still write this much later. */
export const INGESTION_STEP_TIMEOUT_SECONDS = 120;

/**
 * An upload still UPLOADED or PROCESSING this long after its last write has no execution left that could move it:
 * the execution timed out (no Catch runs then) or failed without recording it (MarkFailed exhausted its retries),
 * and no step Lambda can still be running. Reading it then marks it FAILED (uploads/service.ts).
 */
export const INGESTION_STRANDED_AFTER_SECONDS = INGESTION_TIMEOUT_SECONDS + INGESTION_STEP_TIMEOUT_SECONDS;

/** The longest a retrier may wait in total before its last attempt, in seconds (no jitter: the worst case). */
export function retryBudgetSeconds(policy: {
  intervalSeconds: number;
  maxAttempts: number;
  backoffRate: number;
  maxDelaySeconds: number;
}): number {
  let total = 0;
  for (let attempt = 0; attempt < policy.maxAttempts; attempt += 1) {
    total += Math.min(policy.intervalSeconds * policy.backoffRate ** attempt, policy.maxDelaySeconds);
  }
  return total;
}

/**
 * Who may assume the state machine's role: Step Functions, and only on behalf of this account (`aws:SourceAccount`,
 * AWS's guard against the confused-deputy problem: another account's state machine cannot be given this role).
 */
export function ingestionTrustPolicy(target: { accountId: string }) {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Principal: { Service: 'states.amazonaws.com' },
        Action: 'sts:AssumeRole',
        Condition: { StringEquals: { 'aws:SourceAccount': target.accountId } },
      },
    ],
  };
}

type State = Record<string, unknown>;

function retry(): State[] {
  return [
    // First: Step Functions uses the first rule whose ErrorEquals matches, and each rule counts its own attempts.
    {
      ErrorEquals: [LAMBDA_THROTTLED],
      IntervalSeconds: THROTTLE_RETRY.intervalSeconds,
      MaxAttempts: THROTTLE_RETRY.maxAttempts,
      BackoffRate: THROTTLE_RETRY.backoffRate,
      MaxDelaySeconds: THROTTLE_RETRY.maxDelaySeconds,
      JitterStrategy: 'FULL',
    },
    {
      ErrorEquals: [...RETRYABLE_ERRORS],
      IntervalSeconds: INGESTION_RETRY.intervalSeconds,
      MaxAttempts: INGESTION_RETRY.maxAttempts,
      BackoffRate: INGESTION_RETRY.backoffRate,
      MaxDelaySeconds: INGESTION_RETRY.maxDelaySeconds,
      // Full jitter spreads retries of many documents throttled at once instead of retrying them in lockstep.
      JitterStrategy: 'FULL',
    },
  ];
}

function task(functionArn: string, step: IngestionStep, next: { Next: string } | { End: true }): State {
  return {
    Type: 'Task',
    Resource: 'arn:aws:states:::lambda:invoke',
    Parameters: {
      FunctionName: functionArn,
      Payload: { step, 'uploadId.$': '$.uploadId', 'sub.$': '$.sub', 'correlationId.$': '$.correlationId' },
    },
    ResultPath: null,
    Retry: retry(),
    Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'MarkFailed' }],
    ...next,
  };
}

/** The state machine definition for a given steps Lambda ARN (deployed) or any placeholder name (local). */
export function ingestionDefinition(stepsFunctionArn: string) {
  return {
    Comment: 'Document ingestion: validate -> extract text -> summarize -> store -> ready',
    QueryLanguage: 'JSONPath',
    TimeoutSeconds: INGESTION_TIMEOUT_SECONDS,
    StartAt: 'Validate',
    States: {
      Validate: task(stepsFunctionArn, 'validate', { Next: 'ExtractText' }),
      ExtractText: task(stepsFunctionArn, 'extractText', { Next: 'Summarize' }),
      Summarize: task(stepsFunctionArn, 'summarize', { Next: 'Store' }),
      Store: task(stepsFunctionArn, 'store', { Next: 'MarkReady' }),
      MarkReady: task(stepsFunctionArn, 'markReady', { End: true }),
      MarkFailed: {
        Type: 'Task',
        Resource: 'arn:aws:states:::lambda:invoke',
        Parameters: {
          FunctionName: stepsFunctionArn,
          Payload: {
            step: 'markFailed',
            'uploadId.$': '$.uploadId',
            'sub.$': '$.sub',
            'correlationId.$': '$.correlationId',
            'error.$': '$.error',
          },
        },
        ResultPath: null,
        Retry: retry(),
        // Even when recording the failure fails, the execution must end failed, not hang or succeed.
        Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.markFailedError', Next: 'Failed' }],
        Next: 'Failed',
      },
      Failed: { Type: 'Fail', Error: 'IngestionFailed', Cause: 'A step failed; the document is marked failed.' },
    },
  };
}

export type IngestionDefinition = ReturnType<typeof ingestionDefinition>;
