import { join } from 'node:path';
import { LAMBDA_NODE_VERSIONS, type LambdaNodeMajor } from '@toolgate/core/deploy/lambda-node';
import { ensureNode as ensureNodeIn } from '@toolgate/ops/node-binaries';
import { BENCH_DIR } from './paths';

export { checkReportedVersion, majorOf, nodeBinaryPath, nodePackage } from '@toolgate/ops/node-binaries';

/**
 * The Node versions the cold children run on: Lambda's managed runtimes (nodejs22.x, nodejs24.x), pinned to exact
 * releases in one place (`LAMBDA_NODE_VERSIONS`, which the deployed compile cache is built for too).
 */
export const PINNED_NODE_VERSIONS = LAMBDA_NODE_VERSIONS;
export type { LambdaNodeMajor };
export const LAMBDA_NODE_MAJORS = Object.keys(PINNED_NODE_VERSIONS).map(Number) as LambdaNodeMajor[];

/** Downloaded binaries, one folder per version (gitignored). */
export const NODE_CACHE_DIR = join(BENCH_DIR, '.cache');

export const ensureNode = (version: string, cacheDir = NODE_CACHE_DIR, arch: string = process.arch) =>
  ensureNodeIn(version, cacheDir, arch);
