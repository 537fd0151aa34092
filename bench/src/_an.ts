import { join } from 'node:path';
import { build, type Metafile } from 'esbuild';
import { bundleOptions, ENTRY_POINTS } from '../../packages/functions/build';
import { packageOf } from './bundles';
import { zodNamespaceImports } from './experiments';
import { OUT_DIR, REPO_ROOT } from './paths';
for (const tier of process.argv.slice(2) as ('public'|'api')[]) {
  const outdir = join(OUT_DIR, 'scratch', 'an', tier);
  const base = bundleOptions(join(REPO_ROOT, ENTRY_POINTS[tier]), join(outdir, 'index.mjs'));
  const r = await build({ ...base, outfile: undefined, outdir, splitting: true, entryNames: 'index', chunkNames: 'chunks/[name]-[hash]', outExtension: { '.js': '.mjs' }, absWorkingDir: REPO_ROOT, plugins: [zodNamespaceImports().plugin] });
  const meta = r.metafile as Metafile;
  const entryOut = Object.keys(meta.outputs).find((p) => p.endsWith('/index.mjs'))!;
  const seen = new Set<string>(); const stack = [entryOut];
  while (stack.length) { const p = stack.pop()!; if (seen.has(p)) continue; seen.add(p); for (const i of meta.outputs[p]!.imports) if (i.kind === 'import-statement' && meta.outputs[i.path]) stack.push(i.path); }
  const pk = new Map<string, number>();
  for (const p of seen) for (const [inp, v] of Object.entries(meta.outputs[p]!.inputs)) pk.set(packageOf(inp), (pk.get(packageOf(inp)) ?? 0) + v.bytesInOutput);
  console.log('==', tier, [...seen].length, 'files');
  console.log([...pk].sort((a, b) => b[1] - a[1]).slice(0, 30).map(([k, v]) => `${(v / 1024).toFixed(1).padStart(7)} ${k}`).join('\n'));
}
