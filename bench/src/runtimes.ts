import { execFileSync } from 'node:child_process';
import { dirname } from 'node:path';
import type { Tier } from '@toolgate/core/concurrency';
import { TIER_RUNTIME } from '@toolgate/core/deploy/access';
import type { ColdSubject } from './cold';
import { lambdaEnvironment, lambdaNodeArgs, sstResourceEnvironment } from './lambda';
import { ensureNode, LAMBDA_NODE_MAJORS, majorOf, PINNED_NODE_VERSIONS } from './nodes';

/** The stage name the Lambda-like children believe they run in (function names, SST's App link). */
export const BENCH_STAGE = 'bench';

export type ColdRuntime =
  | { label: string; node: string; major: number; binary: string; lambda: boolean }
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
        : { label, node: `v${version}`, major, binary: found.binary, lambda: true },
    );
  }
  const hostVersion = execFileSync(hostNode, ['--version'], { encoding: 'utf8' }).trim();
  runtimes.push({
    label: `node ${hostVersion.slice(1)}, no flags`,
    node: hostVersion,
    major: majorOf(hostVersion),
    binary: hostNode,
    lambda: false,
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

/** A subject started as Lambda would start its function: bootstrap flags for its memory size, its variables. */
export function lambdaSubject(subject: ColdSubject, nodeMajor: number, region: string): ColdSubject {
  const tier = subjectTier(subject.name);
  return {
    ...subject,
    nodeArgs: [...lambdaNodeArgs(TIER_RUNTIME[tier].memoryMb), ...(subject.nodeArgs ?? [])],
    env: {
      ...subject.env,
      ...lambdaEnvironment({ tier, nodeMajor, stage: BENCH_STAGE, region, taskRoot: dirname(subject.bundle) }),
    },
    runtimeClient: true,
  };
}
