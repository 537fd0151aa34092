import type { Tier } from '@toolgate/core/concurrency';
import { TIER_RUNTIME } from '@toolgate/core/deploy/access';
import { functionName } from '@toolgate/core/deploy/stages';

/**
 * How Lambda starts Node, so that a cold child starts the same way: the flags of the runtime's bootstrap
 * (`lambdaBootstrapArgs`, with its source, in packages/core/src/deploy/lambda-node.ts, shared with infra's exec
 * wrapper and the deploy-time compile cache) and the environment Lambda sets. Both change what a cold start costs:
 * under these flags Node 22 rejects its built-in code cache (Node 24 only for `--expose-gc`), and the runtime client
 * has `node:http` loaded before the handler's first line runs (aws/aws-lambda-nodejs-runtime-interface-client@da5777a,
 * src/RAPIDClient.js line 21: `this.http = httpClient || require('http')`; on Node 22 and 24 that loads undici).
 */
export { lambdaBootstrapArgs as lambdaNodeArgs } from '@toolgate/core/deploy/lambda-node';

/** The managed runtime a Node major maps to (`AWS_EXECUTION_ENV`, and the runtime the INIT_START line names). */
export const lambdaRuntimeName = (nodeMajor: number) => `nodejs${nodeMajor}.x`;

export interface LambdaEnvironmentInput {
  tier: Tier;
  nodeMajor: number;
  stage: string;
  region: string;
  /** Where the function's code sits (Lambda: `/var/task`); the bench uses the bundle's folder. */
  taskRoot: string;
}

/**
 * The variables Lambda sets in every Node.js function (AWS docs, "Defined runtime environment variables", and the
 * bootstrap above for NODE_PATH and AWS_EXECUTION_ENV). Credentials are not here: the bench gives the emulators'
 * dummy ones, as Lambda gives the role's. Nothing of toolgate's own configuration either (`sstResourceEnvironment`).
 */
export function lambdaEnvironment(input: LambdaEnvironmentInput): Record<string, string> {
  const { memoryMb } = TIER_RUNTIME[input.tier];
  const name = functionName(input.stage, input.tier);
  return {
    AWS_LAMBDA_FUNCTION_NAME: name,
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(memoryMb),
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${name}`,
    AWS_LAMBDA_LOG_STREAM_NAME: '2026/01/01/[$LATEST]00000000000000000000000000000000',
    AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
    AWS_LAMBDA_RUNTIME_API: '127.0.0.1:9001',
    AWS_EXECUTION_ENV: `AWS_Lambda_${lambdaRuntimeName(input.nodeMajor)}`,
    AWS_REGION: input.region,
    AWS_DEFAULT_REGION: input.region,
    _HANDLER: `${input.tier}.handler`,
    LAMBDA_TASK_ROOT: input.taskRoot,
    LAMBDA_RUNTIME_DIR: '/var/runtime',
    NODE_PATH: `/opt/nodejs/node${input.nodeMajor}/node_modules:/opt/nodejs/node_modules:/var/runtime/node_modules:/var/runtime:/var/task`,
    LANG: 'en_US.UTF-8',
    TZ: ':UTC',
    PATH: '/var/lang/bin:/usr/local/bin:/usr/bin/:/bin:/opt/bin',
    LD_LIBRARY_PATH: '/var/lang/lib:/lib64:/usr/lib64:/var/runtime:/var/runtime/lib:/var/task:/var/task/lib:/opt/lib',
  };
}

/**
 * toolgate's configuration as a deployed function receives it: SST links as `SST_RESOURCE_<Name>` JSON variables,
 * built from the local runtime's `TOOLGATE_*` variables (which are then dropped, but for the table name and
 * issuer settings that the baselines read as a plain Express Lambda would), so that the child takes the
 * deployed branch of `process-config.ts` (SST's `Resource`, `local: false`) against the same emulators. Deployed,
 * SST may put the same JSON in an encrypted file (`SST_KEY_FILE`) instead; decrypting it is not measured here.
 */
const BASELINE_SETTINGS = ['TOOLGATE_TABLE_NAME', 'TOOLGATE_AUTH'];

export function sstResourceEnvironment(local: Record<string, string>, stage: string): Record<string, string> {
  const parse = (name: string) => {
    const raw = local[name];
    return raw === undefined ? undefined : (JSON.parse(raw) as unknown);
  };
  const resources: Record<string, unknown> = {
    App: { name: 'toolgate', stage },
    Table: { name: local.TOOLGATE_TABLE_NAME, type: 'sst.aws.Dynamo' },
    Uploads: { name: local.TOOLGATE_BUCKET_NAME, type: 'sst.aws.Bucket' },
    JobsQueue: { url: local.TOOLGATE_JOBS_QUEUE_URL, type: 'sst.aws.Queue' },
    Ingestion: { arn: local.TOOLGATE_INGESTION_ARN, type: 'sst.sst.Linkable' },
    Auth: parse('TOOLGATE_AUTH'),
    CursorSigningKey: { value: local.TOOLGATE_CURSOR_SIGNING_KEY, type: 'sst.sst.Secret' },
    // Not linked to every tier deployed (infra/secrets.ts), but `fromSstResources` reads them for every tier, and
    // SST's `Resource` throws on a link a function lacks ("OpenAiApiKey" is not linked ... to toolgate-bench-public):
    // present without a value here so that the tiers start. The same holds for JobsQueue and Ingestion, given to every
    // tier above: linked exactly as infra links it, a deployed tier fails at init. Open, reported with issue 22.
    OpenAiApiKey: { type: 'sst.sst.Secret' },
    StripeWebhookSecret: { type: 'sst.sst.Secret' },
    Settings: {
      allowedOrigins: local.TOOLGATE_ALLOWED_ORIGINS?.split(',').filter(Boolean) ?? [],
      ...(local.TOOLGATE_LIMITS ? { limits: parse('TOOLGATE_LIMITS') } : {}),
      type: 'sst.sst.Linkable',
    },
  };
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(local)) {
    if (!name.startsWith('TOOLGATE_') || BASELINE_SETTINGS.includes(name)) env[name] = value;
  }
  for (const [name, value] of Object.entries(resources)) {
    if (value !== undefined) env[`SST_RESOURCE_${name}`] = JSON.stringify(value);
  }
  return env;
}
