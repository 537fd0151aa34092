import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { TIERS, type Tier } from '@toolgate/core/concurrency';
import { bundleOptions, ENTRY_POINTS } from '../../packages/functions/build';
import { build, type Metafile, type Plugin } from 'esbuild';
import { BENCH_DIR, REPO_ROOT, repoRelative } from './paths';

export type BaselineName = 'floor' | 'peer' | 'api-no-io';
export type BundleName = Tier | BaselineName;

export interface InputSize {
  path: string;
  bytes: number;
}

export interface BundleResult {
  name: BundleName;
  kind: 'tier' | 'baseline';
  entry: string;
  file: string;
  bytes: number;
  /** zlib gzip at its default level 6: what a deployment zip costs to move, roughly. */
  gzipBytes: number;
  /** The five largest source files by bytes they contribute to the output. */
  topInputs: InputSize[];
  /** The same, summed per npm package (or per workspace package folder). */
  topPackages: InputSize[];
  metafile: Metafile;
}

const BASELINE_ENTRIES: Record<BaselineName, string> = {
  floor: join(BENCH_DIR, 'src/fixtures/floor.ts'),
  peer: join(BENCH_DIR, 'src/fixtures/peer.ts'),
  'api-no-io': join(BENCH_DIR, 'src/fixtures/api-no-io.ts'),
};

/** Tiers whose handler exists in this checkout (a tier still being written has no entry file yet). */
export function builtTiers(): Tier[] {
  return TIERS.filter((tier) => existsSync(join(REPO_ROOT, ENTRY_POINTS[tier])));
}

/** `node_modules/.pnpm/zod@4.6.7/node_modules/zod/v4/core/schemas.js` → `zod/v4/core/schemas.js`. */
export function shortInputPath(path: string): string {
  const nested = path.lastIndexOf('node_modules/');
  return nested >= 0 ? path.slice(nested + 'node_modules/'.length) : path;
}

export function packageOf(path: string): string {
  const short = shortInputPath(path);
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
  /** A what-if experiment: extra esbuild plugins (never used for the measured bundles). */
  plugins?: Plugin[];
  /** Also write an external source map (the JS is byte-identical; used to read CPU profiles). */
  sourcemap?: boolean;
}

/** Builds one bundle with the deployed options from `packages/functions/build.ts`. */
export async function buildBundle(name: BundleName, extra: BuildOptionsExtra): Promise<BundleResult> {
  const kind = name in BASELINE_ENTRIES ? 'baseline' : 'tier';
  const entry =
    kind === 'baseline' ? BASELINE_ENTRIES[name as BaselineName] : join(REPO_ROOT, ENTRY_POINTS[name as Tier]);
  const file = join(extra.outDir, `${name}.mjs`);
  await mkdir(extra.outDir, { recursive: true });
  const options = bundleOptions(entry, file);
  // Metafile paths relative to the repo root, whatever the current directory.
  const result = await build({
    ...options,
    absWorkingDir: REPO_ROOT,
    ...(extra.plugins ? { plugins: extra.plugins } : {}),
    ...(extra.sourcemap ? { sourcemap: 'external' as const } : {}),
  });
  const metafile = result.metafile as Metafile;
  const output = Object.entries(metafile.outputs).find(([path]) => path.endsWith('.mjs'));
  if (!output) throw new Error(`esbuild produced no .mjs for ${name}`);
  const code = await readFile(file);
  const files = new Map<string, number>();
  const packages = new Map<string, number>();
  for (const [path, input] of Object.entries(output[1].inputs)) {
    files.set(shortInputPath(path), input.bytesInOutput);
    const owner = packageOf(path);
    packages.set(owner, (packages.get(owner) ?? 0) + input.bytesInOutput);
  }
  return {
    name,
    kind,
    entry: repoRelative(entry),
    file,
    bytes: code.length,
    gzipBytes: gzipSync(code).length,
    topInputs: largest(files, 5),
    topPackages: largest(packages, 8),
    metafile,
  };
}
