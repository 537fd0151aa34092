import { TIER_RUNTIME } from '@toolgate/core/deploy/access';
import { functionName } from '@toolgate/core/deploy/stages';
import { ingestionDefinition } from '@toolgate/core/workflows/ingestion';
import { type LambdaFunction, type StepFunctionsEmulator, startStepFunctions } from './emulators/stepfunctions';

export interface LocalWorkflowsOptions {
  stage: string;
  region: string;
  accountId: string;
  /** Every retry waits this long instead of the ASL's backoff (tests); the real waits when absent. */
  retryIntervalMs?: number;
  logError?: (message: string, error: unknown) => void;
}

export interface LocalWorkflows {
  emulator: StepFunctionsEmulator;
  endpoint: string;
  ingestionArn: string;
  stop(): Promise<void>;
}

/**
 * The Step Functions emulator with toolgate's ingestion state machine: the same ASL infra deploys
 * (`ingestionDefinition`), its Tasks answered by the steps tier's real handler. The handler module is imported on
 * the first task, which is always after the runtime has applied the local environment it reads at import.
 */
export async function startLocalWorkflows(options: LocalWorkflowsOptions): Promise<LocalWorkflows> {
  const emulator = await startStepFunctions({
    region: options.region,
    accountId: options.accountId,
    ...(options.retryIntervalMs !== undefined ? { retryIntervalMs: options.retryIntervalMs } : {}),
    ...(options.logError ? { logError: options.logError } : {}),
  });
  const stepsArn = `arn:aws:lambda:${options.region}:${options.accountId}:function:${functionName(options.stage, 'steps')}`;
  const ingestionArn = emulator.register({
    name: `toolgate-${options.stage}-ingestion`,
    definition: ingestionDefinition(stepsArn),
    functionTimeoutMs: TIER_RUNTIME.steps.timeoutSeconds * 1000,
    functions: {
      [stepsArn]: {
        load: async () => {
          const module = (await import('@toolgate/functions/handlers/steps')) as { handler?: unknown };
          if (typeof module.handler !== 'function')
            throw new Error('@toolgate/functions/handlers/steps has no handler');
          return module.handler as LambdaFunction;
        },
      },
    },
  });
  return { emulator, endpoint: emulator.endpoint, ingestionArn, stop: () => emulator.stop() };
}
