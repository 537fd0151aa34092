import { readdirSync } from 'node:fs';
import * as nodeModule from 'node:module';
import { basename, dirname } from 'node:path';
import type { InitCheck } from '@toolgate/core/deploy/lambda-node';

/**
 * What a deployed instance logs once at init, so that `pnpm coldstart:report` can tell from the logs whether the
 * functions really start with the cold-start levers (packages/core/src/deploy/lambda-node.ts): the Node release and
 * architecture, the V8 flags (the exec wrapper drops `--expose-gc`), and whether the shipped compile cache has a
 * folder for exactly this release, architecture and flag set. Node names that folder
 * `<release>-<arch>-<v8.cachedDataVersionTag() in 8 hex digits>-…` and silently ignores the others, so a cache built
 * for another runtime release (or other flags) shows here as `mismatch`, listing what it was built for.
 *
 * `undefined` when no compile cache is enabled (local runs, tests, a stage with the cache off): nothing to log.
 */
export function initCheck(): InitCheck | undefined {
  const getDir = (nodeModule as { getCompileCacheDir?: () => string | undefined }).getCompileCacheDir;
  // Node answers with the key folder it reads and writes: `<NODE_COMPILE_CACHE>/<release>-<arch>-<tag>-…`.
  const dir = getDir?.();
  if (!dir) return undefined;
  let folders: string[];
  let filled = false;
  try {
    folders = readdirSync(dirname(dir)).filter((name) => name.startsWith('v'));
    filled = folders.includes(basename(dir)) && readdirSync(dir).length > 0;
  } catch {
    return base('unreadable', []);
  }
  // Node has just created its own key folder if the package had none (where it can write): not something shipped.
  return base(filled ? 'match' : 'mismatch', filled ? folders : folders.filter((name) => name !== basename(dir)));
}

function base(compileCache: InitCheck['compileCache'], builtFor: string[]): InitCheck {
  return {
    node: process.version,
    arch: process.arch,
    execArgv: process.execArgv,
    compileCache,
    compileCacheBuiltFor: builtFor,
  };
}
