import { SFNClient, type SFNClientConfig, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { awsClientConfig } from '../../data/aws-client-config';
import { withClientPlugins } from '../../data/aws-client-plugins';
import { ServiceUnavailableError } from '../../errors';
import type { IngestionInput } from '../ingestion';

/** Starts the ingestion workflow for one confirmed upload, at most once per upload. */
export interface IngestionStarter {
  /** `started` is false when the execution already existed (started by an earlier request). */
  start(input: IngestionInput): Promise<{ executionArn: string; started: boolean }>;
}

/** A Step Functions client; locally `AWS_ENDPOINT_URL_SFN` points it at the runtime's emulator, no code change. */
export function createSfnClient(options: SFNClientConfig & { region: string }): SFNClient {
  return withClientPlugins(new SFNClient({ ...awsClientConfig('sfn'), ...options }));
}

/** `arn:aws:states:<region>:<account>:stateMachine:<name>` → the ARN an execution `executionName` of it gets. */
export function executionArnOf(stateMachineArn: string, executionName: string): string {
  const match = /^(arn:[^:]+:states:[^:]*:[^:]*):stateMachine:([^:]+)$/.exec(stateMachineArn);
  if (!match) throw new Error(`not a state machine ARN: ${stateMachineArn}`);
  return `${match[1]}:execution:${match[2]}:${executionName}`;
}

function isThrottlingOrServerError(error: unknown): boolean {
  const { name, $metadata, $retryable } = error as {
    name?: string;
    $metadata?: { httpStatusCode?: number };
    $retryable?: unknown;
  };
  return (
    Boolean($retryable) ||
    (typeof $metadata?.httpStatusCode === 'number' && $metadata.httpStatusCode >= 500) ||
    name === 'ThrottlingException' ||
    name === 'ServiceQuotaExceededException'
  );
}

/**
 * The real `StartExecution` call (the local runtime answers it with its Step Functions emulator). The execution is
 * named after the upload id: Step Functions refuses a second execution of that name in a state machine (for 90
 * days), so no retry, race or repeated `complete` can ever ingest one upload twice. A repeat of the same name and
 * input while the first still runs returns the same ARN; once it has ended (or with another input) it fails with
 * `ExecutionAlreadyExists`, which here means "already started" too.
 */
export function createSfnIngestionStarter(client: SFNClient, stateMachineArn: string): IngestionStarter {
  return {
    async start(input) {
      const name = input.uploadId;
      try {
        const { executionArn } = await client.send(
          new StartExecutionCommand({
            stateMachineArn,
            name,
            // Key order is fixed, so a repeat sends byte-identical input (what the idempotent case compares).
            input: JSON.stringify({ uploadId: input.uploadId, sub: input.sub, correlationId: input.correlationId }),
          }),
        );
        if (!executionArn) throw new Error('StartExecution returned no executionArn');
        return { executionArn, started: true };
      } catch (error) {
        if ((error as Error)?.name === 'ExecutionAlreadyExists')
          return { executionArn: executionArnOf(stateMachineArn, name), started: false };
        if (isThrottlingOrServerError(error)) {
          throw new ServiceUnavailableError(
            'The ingestion workflow could not be started; complete the upload again.',
            2,
            {
              cause: error,
            },
          );
        }
        throw error;
      }
    },
  };
}
