import { readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import type { Tier } from '@toolgate/core/concurrency';
import { type BuildContext, context, type Message, type OutputFile, type Plugin } from 'esbuild';
import { ENTRY_POINTS, TARGET } from '../../../functions/build';

/**
 * The tier handlers as one esbuild build for hot reload: every tier's entry, with toolgate's own packages
 * (`@toolgate/core`, `@toolgate/functions`) bundled from `sourceRoot` and every third-party package left external,
 * as the absolute file Node's ESM resolution picks from the real package that depends on it. So a reload parses
 * only toolgate's code again; hono, zod and the AWS SDK are the instances the process already loaded (a reload
 * costs milliseconds of import and a small fraction of a bundle of memory), and identical to what a bare
 * `import('hono')` gives the runtime's own modules.
 */

/** Toolgate's packages whose code a reload picks up; everything else is a dependency, loaded once. */
export const RELOADED_PACKAGES = ['core', 'functions'] as const;

export interface HandlerBundleOptions {
  /** Where `packages/core` and `packages/functions` are read from (the repo, or a test's copy of them). */
  sourceRoot: string;
  /** The repo whose installed dependencies (`packages/<name>/node_modules`) the bundle imports. */
  repoRoot: string;
  /**
   * Where builds will be written: any folder at the same depth as this one (`<outDir>/handlers-build-<n>` beside
   * `<outDir>/handlers-build`), so that the source maps' relative paths stay right.
   */
  outdir: string;
}

export interface HandlerBuild {
  /** Output files by path relative to the output folder (`<tier>.mjs`, `chunks/…`); empty when errors. */
  files: { path: string; contents: Uint8Array }[];
  errors: Message[];
  warnings: Message[];
}

export interface HandlerBundler {
  build(): Promise<HandlerBuild>;
  dispose(): Promise<void>;
}

type Exports = Record<string, string>;

/** `@toolgate/<pkg>/<subpath>` → the file its package.json `exports` names, in `sourceRoot`. */
function workspaceResolver(sourceRoot: string) {
  const exportsOf = new Map<string, Exports>();
  return (pkg: string, subpath: string): string | undefined => {
    let exports = exportsOf.get(pkg);
    if (!exports) {
      const manifest = JSON.parse(readFileSync(join(sourceRoot, 'packages', pkg, 'package.json'), 'utf8'));
      exports = manifest.exports as Exports;
      exportsOf.set(pkg, exports);
    }
    const key = `./${subpath}`;
    const exact = exports[key];
    if (exact) return join(sourceRoot, 'packages', pkg, exact);
    for (const [pattern, target] of Object.entries(exports)) {
      const star = pattern.indexOf('*');
      if (star < 0) continue;
      const [before, after] = [pattern.slice(0, star), pattern.slice(star + 1)];
      if (key.startsWith(before) && key.endsWith(after) && key.length >= pattern.length - 1) {
        const matched = key.slice(before.length, key.length - after.length);
        return join(sourceRoot, 'packages', pkg, target.replace('*', matched));
      }
    }
    return undefined;
  };
}

const TEXT_FILE = 'toolgate-text-file';
const WORKSPACE = /^@toolgate\/([^/]+)\/(.+)$/;
/** Bare specifiers (packages, builtins); Go regular expressions have no lookahead, so `node:` is let through. */
const BARE = /^[^./]/;

function reloadPlugin({ sourceRoot, repoRoot }: Pick<HandlerBundleOptions, 'sourceRoot' | 'repoRoot'>): Plugin {
  const workspaceFile = workspaceResolver(sourceRoot);
  /** The real package a source file belongs to: its dependencies are installed there, not in a copy. */
  const installedDir = (resolveDir: string) => {
    const inSource = relative(join(sourceRoot, 'packages'), resolveDir).split(sep)[0];
    return join(repoRoot, 'packages', inSource && !inSource.startsWith('..') ? inSource : 'functions');
  };
  return {
    name: 'toolgate-reload',
    setup(build) {
      build.onResolve({ filter: WORKSPACE }, (args) => {
        const [, pkg = '', subpath = ''] = WORKSPACE.exec(args.path) ?? [];
        if (!(RELOADED_PACKAGES as readonly string[]).includes(pkg)) {
          return { errors: [{ text: `${args.path}: the tier handlers may import only @toolgate/core and functions` }] };
        }
        const path = workspaceFile(pkg, subpath);
        return path ? { path } : { errors: [{ text: `${args.path} is not exported by packages/${pkg}` }] };
      });
      build.onResolve({ filter: BARE }, async (args) => {
        if (args.pluginData === 'resolving') return undefined;
        const resolved = await build.resolve(args.path, {
          kind: args.kind,
          resolveDir: installedDir(args.resolveDir),
          pluginData: 'resolving',
          ...(args.with ? { with: args.with } : {}),
        });
        if (resolved.errors.length > 0) return { errors: resolved.errors };
        if (resolved.external) return resolved;
        // Node cannot import a file as text: a module that reads it instead (not a copy of it in every build).
        if (args.with?.type === 'text') return { path: resolved.path, namespace: TEXT_FILE };
        return { path: resolved.path, external: true };
      });
      build.onLoad({ filter: /.*/, namespace: TEXT_FILE }, (args) => ({
        contents: `import { readFileSync } from 'node:fs';\nexport default readFileSync(${JSON.stringify(args.path)}, 'utf8');\n`,
        loader: 'js',
      }));
    },
  };
}

/**
 * An incremental esbuild context over every tier's entry: a rebuild re-reads only the files that changed. Output is
 * kept in memory (the reloader writes each build to a folder of its own, so every import is a fresh module graph).
 */
export async function createHandlerBundler(options: HandlerBundleOptions): Promise<HandlerBundler> {
  const entryPoints = Object.fromEntries(
    (Object.entries(ENTRY_POINTS) as [Tier, string][]).map(([tier, entry]) => [tier, join(options.sourceRoot, entry)]),
  );
  const ctx: BuildContext = await context({
    entryPoints,
    // Messages name files relative to this: `packages/core/src/…:line:column`.
    absWorkingDir: options.sourceRoot,
    outdir: options.outdir,
    write: false,
    bundle: true,
    splitting: true,
    chunkNames: 'chunks/[name]-[hash]',
    outExtension: { '.js': '.mjs' },
    platform: 'node',
    format: 'esm',
    target: TARGET,
    // Resolution as Node's ESM loader does it (no `module` condition, `main` only), because Node imports the
    // externals: the file esbuild names must be the one a bare import gives the rest of the process.
    conditions: [],
    mainFields: ['main'],
    // Stack traces name the source files (tsx turns Node's source maps on). Linked rather than inline: measured with
    // scripts/reload-measure.ts, inline maps kept ~1.4 MiB more per reload in the heap.
    sourcemap: 'linked',
    minify: false,
    logLevel: 'silent',
    plugins: [reloadPlugin(options)],
  });
  return {
    async build() {
      try {
        const result = await ctx.rebuild();
        const files = (result.outputFiles ?? []).map((file: OutputFile) => ({
          path: relative(options.outdir, file.path),
          contents: file.contents,
        }));
        return { files, errors: result.errors, warnings: result.warnings };
      } catch (error) {
        const failure = error as { errors?: Message[]; warnings?: Message[] };
        if (!failure.errors) throw error;
        return { files: [], errors: failure.errors, warnings: failure.warnings ?? [] };
      }
    },
    dispose: () => ctx.dispose(),
  };
}
