import { execFile } from 'node:child_process';
import { chmod, readdir, rm, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import {
  COMPILE_CACHE_DIR,
  type ColdStartLevers,
  EXEC_WRAPPER_FILE,
  execWrapperScript,
  functionNodeArgs,
} from '@toolgate/core/deploy/lambda-node';
import { EMULATORS, ensureNode, majorOf, type NodeArch, nodeCommand } from './node-binaries';

const run = promisify(execFile);

/**
 * A V8 compile cache for a function package, built at deploy time (infra's `hook.postbuild`) and by `pnpm bench` the
 * same way. Node keys the cache by its release, CPU architecture and V8 flags (the folder it writes is
 * `<release>-<arch>-<v8.cachedDataVersionTag() in 8 hex digits>-0`), and ignores, silently, a cache built for anything else:
 * so it is built by the exact release the function runs (`LAMBDA_NODE_VERSIONS`), for its architecture (arm64 under
 * Debian's qemu-user on an x64 machine: `EMULATORS` in node-binaries.ts), with the flags it runs with.
 *
 * Portable (`NODE_COMPILE_CACHE_PORTABLE=1`, Node 24): entries are keyed by the module's path relative to the cache
 * folder, so the cache built in SST's output folder matches the same files under `/var/task`. Node 22.23 has no
 * portable mode (it keys by absolute path, and reading the package from `/var/task` would need that path at build
 * time), which is why `PORTABLE_SINCE_MAJOR` refuses it for a deployment; the bench builds a Node 22 cache in place,
 * where the paths do match, to measure it.
 */
export const PORTABLE_SINCE_MAJOR = 24;

export interface CompileCacheTarget {
  /** The Node binary (of `arch`), e.g. from `ensureNode`. */
  binary: string;
  /** The release it reports (`22.23.5`). */
  version: string;
  arch: string;
  /** The V8 flags the function runs with (`functionNodeArgs`): part of the cache key. */
  nodeArgs: readonly string[];
}

export interface BuiltCompileCache {
  /** The cache folder inside the package. */
  dir: string;
  /** The key folder Node wrote (`v24.22.3-arm64-1c717fce-0`). */
  key: string;
  /** Modules cached. */
  entries: number;
}

/**
 * Loads every module of the package (`.mjs`/`.js`/`.cjs`, the handler first, then every chunk, including the ones a
 * request loads on demand, so that a first request finds them cached too) in a fresh Node of `target`, with the cache
 * on, and flushes it into `<packageDir>/.node-compile-cache`. A module's top level runs (for a tier, reading its
 * configuration, which fails here: nothing is linked at build time); compiling happens before that, so a module that
 * throws is still cached, and the error is ignored. Any previous cache in the package is replaced (unless
 * `keepOthers`).
 */
export async function buildCompileCache(
  packageDir: string,
  handlerFile: string,
  target: CompileCacheTarget,
  options: { portable?: boolean; timeoutMs?: number; keepOthers?: boolean } = {},
): Promise<BuiltCompileCache> {
  const portable = options.portable ?? majorOf(target.version) >= PORTABLE_SINCE_MAJOR;
  const dir = join(packageDir, COMPILE_CACHE_DIR);
  // `keepOthers`: the bench builds one package's cache for several releases and flag sets, one key folder each.
  if (!options.keepOthers) await rm(dir, { recursive: true, force: true });
  const modules = await moduleFiles(packageDir);
  const handler = join(packageDir, handlerFile);
  if (!modules.includes(handler)) throw new Error(`compile cache: ${handlerFile} is not a module of ${packageDir}`);
  const ordered = [handler, ...modules.filter((file) => file !== handler)];
  const script = [
    "const { pathToFileURL } = require('node:url');",
    'const files = JSON.parse(process.env.TOOLGATE_CACHE_MODULES);',
    '(async () => {',
    '  for (const file of files) await import(pathToFileURL(file).href).catch(() => undefined);',
    "  require('node:module').flushCompileCache();",
    "  const tag = require('node:v8').cachedDataVersionTag().toString(16).padStart(8, '0');",
    "  const key = [process.version, process.arch, tag].join('-');",
    '  require("node:fs").writeSync(1, JSON.stringify({ key }));',
    '  process.exit(0);',
    '})();',
  ].join('\n');
  const { command, prefix } = nodeCommand(target.binary, target.arch);
  const { stdout } = await run(command, [...prefix, ...target.nodeArgs, '-e', script], {
    cwd: packageDir,
    timeout: options.timeoutMs ?? 300_000,
    // Nothing from the shell: no NODE_OPTIONS (it would change the flags and so the key), no credentials.
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      NODE_COMPILE_CACHE: dir,
      ...(portable ? { NODE_COMPILE_CACHE_PORTABLE: '1' } : {}),
      TOOLGATE_CACHE_MODULES: JSON.stringify(ordered),
    },
    maxBuffer: 1024 * 1024,
  });
  const reported = JSON.parse(stdout.slice(stdout.lastIndexOf('{"key"'))) as { key: string };
  const expected = `v${target.version}-${target.arch}-`;
  if (!reported.key.startsWith(expected)) {
    throw new Error(`compile cache: built by ${reported.key}, expected Node ${expected}`);
  }
  const keys = await readdir(dir).catch(() => [] as string[]);
  const key = keys.find((name) => name.startsWith(reported.key));
  if (!key) throw new Error(`compile cache: Node wrote no ${reported.key}* folder in ${dir}`);
  const entries = (await readdir(join(dir, key))).length;
  if (entries === 0) throw new Error(`compile cache: ${join(dir, key)} is empty`);
  return { dir, key, entries };
}

/** Every JavaScript module of a package, absolute paths, sorted (the cache folder itself excluded). */
export async function moduleFiles(packageDir: string): Promise<string[]> {
  const found = await readdir(packageDir, { recursive: true, withFileTypes: true });
  return found
    .filter((entry) => entry.isFile() && /\.(mjs|cjs|js)$/.test(entry.name))
    .map((entry) => join(entry.parentPath, entry.name))
    .filter((file) => !relative(packageDir, file).startsWith(COMPILE_CACHE_DIR))
    .sort();
}

export interface PreparePackageOptions {
  /** The handler module inside the package, without extension (SST's handler string minus `.handler`). */
  handlerPath: string;
  memoryMb: number;
  levers: ColdStartLevers;
  /** The function's architecture (`ARCHITECTURE` in packages/functions/build.ts). */
  arch: NodeArch;
  /** The exact Node release of the function's runtime (`LAMBDA_NODE_VERSIONS`). */
  nodeVersion: string;
  /** Where Node binaries are kept between deploys. */
  binariesDir: string;
  log?: (message: string) => void;
}

/**
 * What infra's `hook.postbuild` does to a tier's package after SST bundled it: writes the exec wrapper (executable:
 * SST's zip keeps file modes) and builds the compile cache for the Node the function will run, with the flags it will
 * run with. Throws (and so stops the deploy) when the cache cannot be built as asked: a deploy that silently ships
 * without it would only show as slower cold starts.
 */
export async function prepareFunctionPackage(dir: string, options: PreparePackageOptions): Promise<void> {
  const { levers } = options;
  if (levers.execWrapper) {
    await writeFile(join(dir, EXEC_WRAPPER_FILE), execWrapperScript(), { mode: 0o755 });
    await chmod(join(dir, EXEC_WRAPPER_FILE), 0o755);
  }
  if (!levers.compileCache) return;
  if (majorOf(options.nodeVersion) < PORTABLE_SINCE_MAJOR) {
    throw new Error(
      `compile cache: Node ${options.nodeVersion} has no portable cache (NODE_COMPILE_CACHE_PORTABLE, Node ${PORTABLE_SINCE_MAJOR}+): deploy on nodejs${PORTABLE_SINCE_MAJOR}.x or set coldStart.compileCache to false for this stage`,
    );
  }
  const node = await ensureNode(options.nodeVersion, options.binariesDir, options.arch);
  if ('error' in node) {
    throw new Error(
      `compile cache: ${node.error}. For ${options.arch} on this machine: apt-get install ${EMULATORS[options.arch].apt} (or set coldStart.compileCache to false for this stage)`,
    );
  }
  const modules = await moduleFiles(dir);
  const handler = modules.find((file) => relative(dir, file).replace(/\.(mjs|cjs|js)$/, '') === options.handlerPath);
  if (!handler) throw new Error(`compile cache: no module for handler ${options.handlerPath} in ${dir}`);
  const built = await buildCompileCache(dir, relative(dir, handler), {
    binary: node.binary,
    version: options.nodeVersion,
    arch: options.arch,
    nodeArgs: functionNodeArgs(options.memoryMb, levers),
  });
  options.log?.(`compile cache for ${options.handlerPath}: ${built.entries} modules in ${built.key}`);
}
