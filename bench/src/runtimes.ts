import { execFileSync } from 'node:child_process';
import { dirname } from 'node:path';
import type { Tier } from '@toolgate/core/concurrency';
import { TIER_RUNTIME } from '@toolgate/core/deploy/access';
import { coldStartEnvironment, functionNodeArgs } from '@toolgate/core/deploy/lambda-node';
import type { ColdSubject } from './cold';
import { lambdaEnvironment, sstResourceEnvironment } from './lambda';
import { ensureNode, LAMBDA_NODE_MAJORS, majorOf, PINNED_NODE_VERSIONS } from './nodes';

/** The stage name the Lambda-like children believe they run in (function names, SST's App link). */
export const BENCH_STAGE = 'bench';

export type ColdRuntime =
  | { label: string; node: string; major: number; binary: string; lambda: boolean; version: string }
  | { label: string; version: string; error: string };

/**
 * The runtimes the cold starts run on: Node 22 and 24 started as Lambda starts them (the budgeted rows), then the
 * plain Node this bench runs on (or `--node`), without flags, as a secondary row comparable with earlier results.
 */
export async function coldRuntimes(hostNode: string, log: (message: string) => void): Promise<ColdRuntime[]> {
  const runtimes: ColdRuntime[] = [];
  for (const major of LAMBDA_NODE_MAJORS) {
    const version = PINNED_NODE_VERSIONS[major];
    const label = `node ${version}, Lambda-like`;
    log(`Node ${version}: installing into bench/.cache if missing`);
    const found = await ensureNode(version);
    runtimes.push(
      'error' in found
        ? { label, version, error: found.error }
        : { label, node: `v${version}`, major, binary: found.binary, lambda: true, version },
    );
  }
  const hostVersion = execFileSync(hostNode, ['--version'], { encoding: 'utf8' }).trim();
  runtimes.push({
    label: `node ${hostVersion.slice(1)}, no flags`,
    node: hostVersion,
    major: majorOf(hostVersion),
    binary: hostNode,
    lambda: false,
    version: hostVersion.slice(1),
  });
  return runtimes;
}

/** Which function's Lambda settings (memory, name) a subject starts with: a baseline takes its tier's. */
export function subjectTier(name: string): Tier {
  return name === 'api' || name === 'peer-api' || name.startsWith('api ') ? 'api' : 'public';
}

/**
 * The environment every Lambda-like child shares: the local runtime's, reshaped as a deployed function sees it, and
 * DynamoDB over TLS when a proxy is given (`tls-proxy.ts`), its CA in `NODE_EXTRA_CA_CERTS` as Lambda's bootstrap
 * sets that variable (to its own bundle) in every function.
 */
export function lambdaBaseEnvironment(
  localEnv: Record<string, string>,
  tls?: { url: string; caFile: string },
): Record<string, string> {
  return {
    ...sstResourceEnvironment(localEnv, BENCH_STAGE),
    ...(tls ? { AWS_ENDPOINT_URL_DYNAMODB: tls.url, NODE_EXTRA_CA_CERTS: tls.caFile } : {}),
  };
}

/**
 * A subject started as Lambda would start its function: bootstrap flags for its memory size, its variables, and its
 * cold-start levers as infra deploys them (`coldStartEnvironment`: the compile cache in the bundle's folder). The
 * exec wrapper is applied as the command line it produces (`functionNodeArgs`) rather than by running the script:
 * the times start with Node's own clock, so the wrapper's `sh` (about a millisecond, which Lambda counts in Init
 * Duration) is left out.
 */
export function lambdaSubject(subject: ColdSubject, nodeMajor: number, region: string): ColdSubject {
  const tier = subjectTier(subject.name);
  const levers = subject.levers ?? { compileCache: false, execWrapper: false };
  const taskRoot = dirname(subject.bundle);
  const { AWS_LAMBDA_EXEC_WRAPPER: _applied, ...leverEnv } = coldStartEnvironment(levers, taskRoot);
  return {
    ...subject,
    nodeArgs: [...functionNodeArgs(TIER_RUNTIME[tier].memoryMb, levers), ...(subject.nodeArgs ?? [])],
    env: {
      ...subject.env,
      ...lambdaEnvironment({ tier, nodeMajor, stage: BENCH_STAGE, region, taskRoot }),
      ...leverEnv,
    },
    runtimeClient: true,
  };
}
