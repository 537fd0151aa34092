import { readFile } from 'node:fs/promises';
import type { Plugin } from 'esbuild';

const NAMED_Z_IMPORT = /import\s*\{\s*z\s*\}\s*from\s*(['"])zod\1/g;

/**
 * What-if for the largest cold-start cost found so far: `import { z } from 'zod'` binds zod's whole namespace
 * object as a value, so esbuild keeps every export of zod (its ~40 locales included); `import * as z` lets it keep
 * only what is used. This plugin applies that one-line change to toolgate's own sources at build time, to measure
 * the effect before the source change is made. It counts the files it changed: zero once the sources are fixed.
 */
export function zodNamespaceImports(): { plugin: Plugin; rewritten: Set<string> } {
  const rewritten = new Set<string>();
  const plugin: Plugin = {
    name: 'what-if-zod-namespace-imports',
    setup(build) {
      build.onLoad({ filter: /\/(packages|bench)\/.*\.ts$/ }, async (args) => {
        if (args.path.includes('/node_modules/')) return undefined;
        const source = await readFile(args.path, 'utf8');
        const contents = source.replace(NAMED_Z_IMPORT, "import * as z from 'zod'");
        if (contents === source) return undefined;
        rewritten.add(args.path);
        return { contents, loader: 'ts' };
      });
    },
  };
  return { plugin, rewritten };
}
