import type { Tier } from '../packages/core/src/concurrency';
import { type IamStatement, iamStatements, TIER_RUNTIME } from '../packages/core/src/deploy/access';
import { coldStartEnvironment } from '../packages/core/src/deploy/lambda-node';
import { functionName } from '../packages/core/src/deploy/stages';
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
  const { runtimeVersionArn, ...levers } = settings.coldStart;
  const fn = new sst.aws.Function(`${tier[0]!.toUpperCase()}${tier.slice(1)}Function`, {
    name: functionName($app.stage, tier),
    description: runtime.description,
    handler: SST_HANDLERS[tier],
    runtime: RUNTIME,
    architecture: ARCHITECTURE,
    nodejs: SST_NODEJS,
    timeout: `${runtime.timeoutSeconds} seconds`,
    memory: `${runtime.memoryMb} MB`,
    concurrency: budget === 'off' ? undefined : { reserved: budget[tier] },
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
      // SST's function role also trusts the account root (for `sst dev` live mode, which toolgate does not use: its
      // local runtime is its own), and its check for dev mode is always true when deploying: any principal of the
      // account allowed sts:AssumeRole could then act as this tier. Only Lambda may assume it.
      role: (args) => {
        args.assumeRolePolicy = JSON.stringify({
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }],
        });
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
  new aws.lambda.RuntimeManagementConfig(`${tier[0]!.toUpperCase()}${tier.slice(1)}Runtime`, {
    functionName: fn.name,
    ...(runtimeVersionArn ? { updateRuntimeOn: 'Manual', runtimeVersionArn } : { updateRuntimeOn: 'FunctionUpdate' }),
  });
  return fn;
}
