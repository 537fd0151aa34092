/**
 * The document ingestion workflow as hand-written Amazon States Language (JSONPath). Plain data on purpose:
 * infra deploys exactly this JSON with `aws.sfn.StateMachine`, and the local runtime runs the same JSON with
 * aws-local-stepfunctions, which ignores JSONata (so `sst.aws.StepFunctions`, which emits JSONata, is not used).
 *
 * Input is `{ uploadId, sub }` and nothing else. Every task passes only those ids (plus its step name) to the
 * steps Lambda, which re-loads the document by id and checks its owner and state: no task trusts a payload
 * field, and `ResultPath: null` keeps task output out of the state so it cannot grow or be forged.
 */

export const INGESTION_STEPS = ['validate', 'extractText', 'summarize', 'store', 'markReady', 'markFailed'] as const;
export type IngestionStep = (typeof INGESTION_STEPS)[number];

/** What the steps Lambda receives as `event` for every task. `error` only for `markFailed` (informational). */
export interface IngestionTaskPayload {
  step: IngestionStep;
  uploadId: string;
  sub: string;
  error?: { Error: string; Cause?: string };
}

export interface IngestionInput {
  uploadId: string;
  sub: string;
}

/** Throw an error with this `name` from a step for a failure worth retrying (a model timeout, a throttled call). */
export const TRANSIENT_ERROR = 'TransientError';

/** Errors retried with backoff: Lambda's own throttling and service errors, plus the steps' TransientError. */
export const RETRYABLE_ERRORS = [
  'Lambda.ServiceException',
  'Lambda.AWSLambdaException',
  'Lambda.SdkClientException',
  'Lambda.TooManyRequestsException',
  TRANSIENT_ERROR,
] as const;

export const INGESTION_RETRY = {
  intervalSeconds: 2,
  maxAttempts: 5,
  backoffRate: 2,
  maxDelaySeconds: 30,
} as const;

/** The whole execution gives up after this long (Standard workflows would otherwise run for a year). */
export const INGESTION_TIMEOUT_SECONDS = 30 * 60;

type State = Record<string, unknown>;

function retry(): State[] {
  return [
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
      Payload: { step, 'uploadId.$': '$.uploadId', 'sub.$': '$.sub' },
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
          Payload: { step: 'markFailed', 'uploadId.$': '$.uploadId', 'sub.$': '$.sub', 'error.$': '$.error' },
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
