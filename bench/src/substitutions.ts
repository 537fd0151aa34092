import { join, resolve } from 'node:path';
import type { Plugin } from 'esbuild';
import { BENCH_DIR, REPO_ROOT } from './paths';

const DEPS = join(REPO_ROOT, 'packages/functions/src/deps');
const MEMORY_DEPS = join(BENCH_DIR, 'src/fixtures/memory-deps');

/**
 * The api-no-io build: the api tier's own entry and composition, with the two dependency modules that do I/O on
 * every request (the user's plan, the per-plan counter) swapped for in-memory ones. Anything else the tier gains
 * later is included as deployed; if those modules' exports change, esbuild fails on the missing names.
 */
export function memoryDeps(): Plugin {
  const swapped = new Map(
    ['users', 'limits'].map((name) => [join(DEPS, `${name}.ts`), join(MEMORY_DEPS, `${name}.ts`)] as const),
  );
  return {
    name: 'bench-memory-deps',
    setup(build) {
      build.onResolve({ filter: /(^|\/)(users|limits)$/ }, (args) => {
        if (!args.importer.startsWith(join(REPO_ROOT, 'packages/functions/src'))) return undefined;
        const replacement = swapped.get(`${resolve(args.resolveDir, args.path)}.ts`);
        return replacement ? { path: replacement } : undefined;
      });
    },
  };
}
