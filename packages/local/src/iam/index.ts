import type { Tier } from '@toolgate/core/concurrency';
import { registerClientPlugin } from '@toolgate/core/data/aws-client-plugins';
import { type AccessTargets, iamStatements, stateMachineStatements } from '@toolgate/core/deploy/access';
import { functionName } from '@toolgate/core/deploy/stages';
import { evaluate } from './evaluate';
import { denialMessage, type LocalIdentity, localIamPlugin, runAs } from './middleware';

export { currentIdentity, type LocalIdentity, runAs } from './middleware';

/**
 * Local IAM (issue 17): every AWS SDK call a tier makes locally is checked against that tier's deployed statements,
 * `iamStatements(tier, targets)` with local ARNs, and the Step Functions role's invokes against its own. On by
 * default, in tests and in `pnpm dev`; `TOOLGATE_LOCAL_IAM=off` is an escape hatch, not a mode to develop in.
 */
export const LOCAL_IAM_ENV = 'TOOLGATE_LOCAL_IAM';

export function localIamEnabled(env: NodeJS.ProcessEnv = process.env): boolean {
  const value = env[LOCAL_IAM_ENV];
  if (value === undefined || value === '' || value === 'on') return true;
  if (value === 'off') return false;
  throw new Error(`${LOCAL_IAM_ENV} must be "on" or "off" (got "${value}")`);
}

export interface LocalIamInput {
  stage: string;
  region: string;
  accountId: string;
  tableName: string;
  bucketName: string;
  /** The jobs queue's URL (`http://host/<account>/<name>`). */
  jobsQueueUrl: string;
  ingestionArn: string;
}

/** The ARNs infra would pass to `iamStatements`, for the local resources. */
export function localTargets(input: LocalIamInput): AccessTargets {
  const queueName = new URL(input.jobsQueueUrl).pathname.split('/').filter(Boolean).at(-1);
  return {
    accountId: input.accountId,
    // The model grant is built for the stage's region; without a model, Bedrock's default model (as infra does).
    region: input.region,
    tableArn: `arn:aws:dynamodb:${input.region}:${input.accountId}:table/${input.tableName}`,
    bucketArn: `arn:aws:s3:::${input.bucketName}`,
    jobsQueueArn: `arn:aws:sqs:${input.region}:${input.accountId}:${queueName}`,
    ingestionArn: input.ingestionArn,
  };
}

/** A tier's execution role as AWS names the caller (`assumed-role/<role>/<function>`). */
export function tierIdentity(tier: Tier, input: LocalIamInput, statements = iamStatements(tier, localTargets(input))) {
  const name = functionName(input.stage, tier);
  return { principalArn: `arn:aws:sts::${input.accountId}:assumed-role/${name}-role/${name}`, statements };
}

export interface LocalIam {
  identities: Record<Tier, LocalIdentity>;
  /** Wraps a handler so that each invocation (and all it starts) runs as `tier`. */
  asTier<A extends unknown[], R>(tier: Tier, handler: (...args: A) => R): (...args: A) => R;
  /** The plugin for an SDK client that always acts as `tier` (the queue poller's: the event source mapping). */
  pluginFor(tier: Tier): ReturnType<typeof localIamPlugin>;
  /** The Step Functions role's check of a Lambda invoke: null when allowed, else AWS's denial message. */
  invokeCheck(stateMachineName: string, stepsFunctionArn: string): (functionArn: string) => string | null;
  /** Removes the plugin from clients created after this (clients created before keep it). */
  stop(): void;
}

const TIERS: readonly Tier[] = ['public', 'api', 'webhook', 'worker', 'steps'];

/** Registers the check with core's client factories: call it before the handler modules are imported. */
export function installLocalIam(input: LocalIamInput): LocalIam {
  const identities = {} as Record<Tier, LocalIdentity>;
  for (const tier of TIERS) identities[tier] = tierIdentity(tier, input);
  const where = { region: input.region, accountId: input.accountId };
  const plugin = localIamPlugin(where);
  const unregister = registerClientPlugin(plugin);
  return {
    identities,
    asTier:
      (tier, handler) =>
      (...args) =>
        runAs(identities[tier], () => handler(...args)),
    pluginFor: (tier) => localIamPlugin(where, identities[tier]),
    invokeCheck(stateMachineName, stepsFunctionArn) {
      const identity: LocalIdentity = {
        principalArn: `arn:aws:sts::${input.accountId}:assumed-role/${stateMachineName}-role/StatesSession`,
        statements: stateMachineStatements(stepsFunctionArn),
      };
      return (functionArn) => {
        const request = { action: 'lambda:InvokeFunction', resource: functionArn };
        return evaluate(identity.statements, request) === 'Allowed' ? null : denialMessage(identity, request);
      };
    },
    stop: unregister,
  };
}
