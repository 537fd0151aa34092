import type { Tier } from '../packages/core/src/concurrency';
import { type IamStatement, iamStatements, TIER_RUNTIME } from '../packages/core/src/deploy/access';
import { coldStartEnvironment } from '../packages/core/src/deploy/lambda-node';
import { functionName, streamFunctionName } from '../packages/core/src/deploy/stages';
import { ARCHITECTURE, RUNTIME, RUNTIME_NODE_VERSION, SST_HANDLERS, SST_NODEJS } from '../packages/functions/build';
import { prepareFunctionPackage } from '../packages/ops/src/compile-cache';
import { identity } from './auth';
import { secretsFor } from './secrets';
import { accountId, partition, region, settings, settingsLink } from './stage';
import { table, tableLink, uploads, uploadsLink } from './storage';

export interface TierFunctionArgs {
  /** ARNs this tier's statements need beyond the table and bucket (see TIER_ACCESS). */
  jobsQueueArn?: $util.Input<string>;
  ingestionArn?: $util.Input<string>;
  /** Links beyond the ones every tier has (Table, Uploads, Auth, Settings and its secrets). */
  link?: unknown[];
  /**
   * The tier's response-streaming function instead (its `streamHandler` export, behind a Function URL in
   * RESPONSE_STREAM mode): its own name and reserved concurrency, the tier's code, IAM and links.
   */
  stream?: { url: sst.aws.FunctionArgs['url'] };
  /** Reserved concurrency instead of the tier's budget (the api tier's split with its stream function). */
  reserved?: number;
}

/** AWS's managed policy for sending traces to X-Ray (PutTraceSegments, PutTelemetryRecords, sampling rules). */
export function xrayWritePolicyArn(partition: string): string {
  return `arn:${partition}:iam::aws:policy/AWSXRayDaemonWriteAccess`;
}

/** SST's permission shape: conditions as a list of `{ test, variable, values }` instead of IAM's nested object. */
function sstPermission(statement: IamStatement) {
  const { conditions, ...rest } = statement;
  if (!conditions) return rest;
  return {
    ...rest,
    conditions: Object.entries(conditions).flatMap(([test, keys]) =>
      Object.entries(keys).map(([variable, values]) => ({ test, variable, values })),
    ),
  };
}

/**
 * One Lambda per tier: its own reserved concurrency (so no tier can starve another), bundled the one way
 * packages/functions/build.ts defines, and only the IAM actions its tier needs (packages/core/src/deploy/access.ts).
 */
export function tierFunction(tier: Tier, args: TierFunctionArgs = {}): sst.aws.Function {
  const runtime = TIER_RUNTIME[tier];
  const budget = settings.reservedConcurrency;
  const { stream } = args;
  const reserved = budget === 'off' ? undefined : (args.reserved ?? budget[tier]);
  const { runtimeVersionArn, ...levers } = settings.coldStart;
  const resourceName = `${tier[0]!.toUpperCase()}${tier.slice(1)}${stream ? 'Stream' : ''}`;
  const fn = new sst.aws.Function(`${resourceName}Function`, {
    name: stream ? streamFunctionName($app.stage, tier) : functionName($app.stage, tier),
    description: stream ? `${runtime.description}: response streaming (Function URL)` : runtime.description,
    handler: stream ? SST_HANDLERS[tier].replace(/\.handler$/, '.streamHandler') : SST_HANDLERS[tier],
    ...(stream ? { streaming: true, url: stream.url } : {}),
    runtime: RUNTIME,
    architecture: ARCHITECTURE,
    nodejs: SST_NODEJS,
    timeout: `${runtime.timeoutSeconds} seconds`,
    memory: `${runtime.memoryMb} MB`,
    concurrency: reserved === undefined ? undefined : { reserved },
    logging: { format: 'json', retention: '1 month' },
    // The cold-start levers of this stage (stages.ts `coldStart`; risks in packages/core/src/deploy/lambda-node.ts):
    // the wrapper and the compile cache go into the package after SST bundled it, built by the exact Node release
    // and architecture the function runs (arm64 under qemu-user), with its flags.
    environment: coldStartEnvironment(levers),
    hook: {
      postbuild: (dir) =>
        prepareFunctionPackage(dir, {
          handlerPath: SST_HANDLERS[tier].replace(/\.handler$/, ''),
          memoryMb: runtime.memoryMb,
          levers,
          arch: ARCHITECTURE === 'arm64' ? 'arm64' : 'x64',
          nodeVersion: RUNTIME_NODE_VERSION,
          binariesDir: '.sst/lambda-node',
          log: (message) => console.log(`${tier}: ${message}`),
        }),
    },
    transform: {
      // X-Ray active tracing: Lambda records each invocation (init included) and passes the trace on to SQS and Step
      // Functions. No tracing SDK in the bundle: docs/observability.md has the measurements behind that choice.
      function: (args) => {
        args.tracingConfig = { mode: 'Active' };
      },
      // SST's function role also trusts the account root (for `sst dev` live mode, which toolgate does not use: its
      // local runtime is its own), and its check for dev mode is always true when deploying: any principal of the
      // account allowed sts:AssumeRole could then act as this tier. Only Lambda may assume it.
      role: (args) => {
        args.assumeRolePolicy = JSON.stringify({
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }],
        });
        // What active tracing needs to send segments (X-Ray's actions take no resource but `*`).
        args.managedPolicyArns = $resolve({ arns: $output(args.managedPolicyArns ?? []), partition }).apply(
          ({ arns, partition: part }) => [...arns, xrayWritePolicyArn(part)],
        );
      },
    },
    // Names only: these links carry no permissions (see infra/storage.ts); the statements below are the grants.
    link: [tableLink, uploadsLink, identity.authLink, settingsLink, ...secretsFor(tier), ...(args.link ?? [])],
    permissions: $resolve({
      accountId,
      partition,
      region,
      tableArn: table.arn,
      bucketArn: uploads.arn,
      jobsQueueArn: $output(args.jobsQueueArn),
      ingestionArn: $output(args.ingestionArn),
    }).apply((targets) => iamStatements(tier, { ...targets, model: settings.model }).map(sstPermission)),
  });
  // Lambda would otherwise move the function to a new runtime release by itself (`Auto`), and the compile cache,
  // built for one release, would silently stop being used: pinned to an exact runtime version when the stage names
  // one, else updated only by a deploy (which rebuilds the cache).
  new aws.lambda.RuntimeManagementConfig(`${resourceName}Runtime`, {
    functionName: fn.name,
    ...(runtimeVersionArn ? { updateRuntimeOn: 'Manual', runtimeVersionArn } : { updateRuntimeOn: 'FunctionUpdate' }),
  });
  return fn;
}
