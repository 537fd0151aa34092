import { existsSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { TIERS, type Tier } from '@toolgate/core/concurrency';
import { type BuildOptions, build, type Metafile, type Plugin } from 'esbuild';
import { bundleOptions, ENTRY_POINTS } from '../../packages/functions/build';
import { BENCH_DIR, REPO_ROOT, repoRelative } from './paths';
import { memoryDeps } from './substitutions';

export type BaselineName =
  | 'floor'
  | 'signed-floor'
  | 'sdk-floor'
  | 'peer'
  | 'peer-api'
  | 'api-no-io'
  | 'api-all-routes';
export type BundleName = Tier | BaselineName;

export interface InputSize {
  path: string;
  bytes: number;
}

export interface BundleResult {
  name: BundleName;
  kind: 'tier' | 'baseline';
  entry: string;
  /** The handler module (what the Lambda runtime imports). */
  file: string;
  /** What a cold start loads: the handler module and the chunks it imports statically, bytes. */
  initialBytes: number;
  /** The same, each file gzipped (zlib default level 6): roughly what it costs to ship. */
  initialGzipBytes: number;
  /** Everything deployed, lazily loaded chunks included. */
  totalBytes: number;
  totalGzipBytes: number;
  files: number;
  /** The five largest source files in the initial load, by bytes they contribute to the output. */
  topInputs: InputSize[];
  /** The initial load summed per npm package (or workspace folder). */
  topPackages: InputSize[];
  /** The same for the lazily loaded chunks. */
  topLazyPackages: InputSize[];
  /** Every npm package (or workspace folder) with code in the initial load, sorted. */
  initialPackages: string[];
  metafile: Metafile;
}

const BASELINES: Record<BaselineName, { entry: string; plugins?: () => Plugin[] }> = {
  floor: { entry: join(BENCH_DIR, 'src/fixtures/floor.ts') },
  'signed-floor': { entry: join(BENCH_DIR, 'src/fixtures/signed-floor.ts') },
  'sdk-floor': { entry: join(BENCH_DIR, 'src/fixtures/sdk-floor.ts') },
  peer: { entry: join(BENCH_DIR, 'src/fixtures/peer.ts') },
  'peer-api': { entry: join(BENCH_DIR, 'src/fixtures/peer-api.ts') },
  'api-no-io': { entry: join(REPO_ROOT, ENTRY_POINTS.api), plugins: () => [memoryDeps()] },
  'api-all-routes': { entry: join(BENCH_DIR, 'src/fixtures/api-all-routes.ts') },
};

/** Tiers whose handler exists in this checkout (a tier still being written has no entry file yet). */
export function builtTiers(): Tier[] {
  return TIERS.filter((tier) => existsSync(join(REPO_ROOT, ENTRY_POINTS[tier])));
}

export const ZOD_CLASSIC = 'zod (classic API)';

/** `node_modules/.pnpm/zod@4.6.7/node_modules/zod/v4/core/schemas.js` → `zod/v4/core/schemas.js`. */
export function shortInputPath(path: string): string {
  const nested = path.lastIndexOf('node_modules/');
  return nested >= 0 ? path.slice(nested + 'node_modules/'.length) : path;
}

/**
 * The npm package (or workspace module) an input belongs to. zod's classic API is counted apart from the rest of
 * zod: the codebase uses `zod/mini`, and `ON_DEMAND_ONLY` keeps the classic API (which only a dependency such as
 * the MCP SDK loads) out of every cold start.
 */
export function packageOf(path: string): string {
  const short = shortInputPath(path);
  if (short.startsWith('zod/v4/classic/')) return ZOD_CLASSIC;
  if (short !== path) {
    const [scope, name] = short.split('/');
    return scope?.startsWith('@') ? `${scope}/${name}` : (scope ?? short);
  }
  const workspace = /^(packages\/[^/]+\/src\/[^/]+|bench\/src\/[^/]+)/.exec(path);
  return workspace?.[1] ?? path;
}

function largest(sizes: Map<string, number>, count: number): InputSize[] {
  return [...sizes]
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .slice(0, count)
    .map(([path, bytes]) => ({ path, bytes }));
}

export interface BuildOptionsExtra {
  outDir: string;
  /** Also write an external source map (used to read CPU profiles). */
  sourcemap?: boolean;
  /** Profiling builds only: e.g. line breaks kept, so that a profile's line ticks land on one statement each. */
  overrides?: Partial<BuildOptions>;
}

/** The output files a cold start loads: the entry and, transitively, its static imports. */
function initialOutputs(metafile: Metafile, entryOutput: string): Set<string> {
  const seen = new Set<string>();
  const pending = [entryOutput];
  while (pending.length > 0) {
    const path = pending.pop() as string;
    if (seen.has(path)) continue;
    seen.add(path);
    for (const imported of metafile.outputs[path]?.imports ?? []) {
      if (imported.kind === 'import-statement' && metafile.outputs[imported.path]) pending.push(imported.path);
    }
  }
  return seen;
}

/** Builds one bundle with the deployed options from `packages/functions/build.ts`. */
export async function buildBundle(name: BundleName, extra: BuildOptionsExtra): Promise<BundleResult> {
  const baseline = name in BASELINES ? BASELINES[name as BaselineName] : undefined;
  const kind = baseline ? 'baseline' : 'tier';
  const entry = baseline?.entry ?? join(REPO_ROOT, ENTRY_POINTS[name as Tier]);
  const plugins = baseline?.plugins?.() ?? [];
  const outdir = join(extra.outDir, name);
  await rm(outdir, { recursive: true, force: true });
  const result = await build({
    ...bundleOptions(entry, outdir),
    // Metafile paths relative to the repo root, whatever the current directory.
    absWorkingDir: REPO_ROOT,
    plugins,
    ...(extra.sourcemap ? { sourcemap: 'external' as const } : {}),
    ...(extra.overrides ?? {}),
  });
  const metafile = result.metafile as Metafile;
  const outputs = Object.keys(metafile.outputs).filter((path) => path.endsWith('.mjs'));
  // Dynamically imported modules are entry points too once split: match the handler's own.
  const entryOutput = outputs.find((path) => metafile.outputs[path]?.entryPoint === repoRelative(entry));
  if (!entryOutput) throw new Error(`esbuild produced no entry module for ${name}`);
  const initial = initialOutputs(metafile, entryOutput);

  const sizes = { initial: 0, initialGzip: 0, total: 0, totalGzip: 0 };
  const files = new Map<string, number>();
  const packages = new Map<string, number>();
  const lazyPackages = new Map<string, number>();
  for (const output of outputs) {
    const code = await readFile(join(REPO_ROOT, output));
    const gzipped = gzipSync(code).length;
    sizes.total += code.length;
    sizes.totalGzip += gzipped;
    const isInitial = initial.has(output);
    if (isInitial) {
      sizes.initial += code.length;
      sizes.initialGzip += gzipped;
    }
    for (const [path, input] of Object.entries(metafile.outputs[output]?.inputs ?? {})) {
      const owner = packageOf(path);
      const target = isInitial ? packages : lazyPackages;
      target.set(owner, (target.get(owner) ?? 0) + input.bytesInOutput);
      if (isInitial) files.set(shortInputPath(path), (files.get(shortInputPath(path)) ?? 0) + input.bytesInOutput);
    }
  }
  return {
    name,
    kind,
    entry: repoRelative(entry),
    file: join(REPO_ROOT, entryOutput),
    initialBytes: sizes.initial,
    initialGzipBytes: sizes.initialGzip,
    totalBytes: sizes.total,
    totalGzipBytes: sizes.totalGzip,
    files: outputs.length,
    topInputs: largest(files, 5),
    topPackages: largest(packages, 8),
    topLazyPackages: largest(lazyPackages, 5),
    initialPackages: [...packages.keys()].filter((owner) => (packages.get(owner) ?? 0) > 0).sort(),
    metafile,
  };
}
