import { TIER_RUNTIME } from '@toolgate/core/deploy/access';
import { functionName } from '@toolgate/core/deploy/stages';
import { ingestionDefinition } from '@toolgate/core/workflows/ingestion';
import { type LambdaFunction, type StepFunctionsEmulator, startStepFunctions } from './emulators/stepfunctions';
import type { LocalIam } from './iam';

export interface LocalWorkflowsOptions {
  stage: string;
  region: string;
  accountId: string;
  /** Every retry waits this long instead of the ASL's backoff (tests); the real waits when absent. */
  retryIntervalMs?: number;
  logError?: (message: string, error: unknown) => void;
  /**
   * The local IAM check, read on the first task (the runtime installs it after this emulator has given it the
   * state machine's ARN): the steps handler runs as the steps tier, and each invoke is checked against the state
   * machine's role. Absent or returning undefined: no check.
   */
  localIam?: () => LocalIam | undefined;
  /** Under hot reload, the steps handler of the moment (read on every task) instead of importing the module. */
  reloadedSteps?: () => LambdaFunction | undefined;
}

async function importSteps(): Promise<LambdaFunction> {
  const module = (await import('@toolgate/functions/handlers/steps')) as { handler?: unknown };
  if (typeof module.handler !== 'function') throw new Error('@toolgate/functions/handlers/steps has no handler');
  return module.handler as LambdaFunction;
}

const reloading =
  (current: () => LambdaFunction | undefined): LambdaFunction =>
  (event, context) => {
    const handler = current();
    if (!handler) throw new Error('the reloaded handlers have no steps handler');
    return handler(event, context);
  };

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
  const name = `toolgate-${options.stage}-ingestion`;
  const ingestionArn = emulator.register({
    name,
    definition: ingestionDefinition(stepsArn),
    functionTimeoutMs: TIER_RUNTIME.steps.timeoutSeconds * 1000,
    authorizeInvoke: (functionArn) => {
      const iam = options.localIam?.();
      return iam ? iam.invokeCheck(name, stepsArn)(functionArn) : null;
    },
    functions: {
      [stepsArn]: {
        load: async () => {
          const handler = options.reloadedSteps?.() ? reloading(options.reloadedSteps) : await importSteps();
          const iam = options.localIam?.();
          return iam ? iam.asTier('steps', handler) : handler;
        },
      },
    },
  });
  return { emulator, endpoint: emulator.endpoint, ingestionArn, stop: () => emulator.stop() };
}
