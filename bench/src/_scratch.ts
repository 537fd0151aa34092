import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { routeKey, routes } from '@toolgate/core/manifest';
import { scope } from '@toolgate/core/scopes';
import { startLocalRuntime } from '@toolgate/local/runtime';
import { loadCatalogFixture } from '@toolgate/local/seed';
import { build, type Metafile } from 'esbuild';
import { bundleOptions, ENTRY_POINTS } from '../../packages/functions/build';
import { measureColdStarts } from './cold';
import { httpEvent } from './events';
import { zodNamespaceImports } from './experiments';
import { OUT_DIR, REPO_ROOT } from './paths';
import { childEnvironment } from './processes';

const variants = process.argv.slice(2);
async function variantBuild(variant: string, name: string, entry: string) {
  const split = variant.includes('split');
  const zod = variant.includes('zodns');
  const outdir = join(OUT_DIR, 'scratch', variant, name);
  const base = bundleOptions(entry, join(outdir, 'index.mjs'));
  const opts = split ? { ...base, outfile: undefined, outdir, splitting: true, entryNames: 'index', chunkNames: 'chunks/[name]-[hash]', outExtension: { '.js': '.mjs' } } : base;
  const r = await build({ ...opts, absWorkingDir: REPO_ROOT, plugins: zod ? [zodNamespaceImports().plugin] : [] , ...(variant.includes('nokeep') ? { keepNames: false } : {})});
  const meta = r.metafile as Metafile;
  const entryOut = Object.keys(meta.outputs).find((p) => p.endsWith('index.mjs'))!;
  const seen = new Set<string>(); const stack = [entryOut];
  while (stack.length) { const p = stack.pop()!; if (seen.has(p)) continue; seen.add(p); for (const i of meta.outputs[p]!.imports) if (i.kind === 'import-statement' && meta.outputs[i.path]) stack.push(i.path); }
  const initial = [...seen].reduce((s, p) => s + meta.outputs[p]!.bytes, 0);
  const total = Object.entries(meta.outputs).filter(([p]) => p.endsWith('.mjs')).reduce((s, [, o]) => s + o.bytes, 0);
  console.log(variant.padEnd(16), name.padEnd(8), 'initial', initial, 'total', total);
  return join(outdir, 'index.mjs');
}
process.env.TOOLGATE_LIMITS = JSON.stringify({ public: { burst: 1e7, refillPerSecond: 1e7, maxTrackedClients: 10000 } });
const subjects = [];
const keysDir = await mkdtemp(join(tmpdir(), 'tg-scratch-'));
const runtime = await startLocalRuntime({ port: 0, quiet: true, keysDir, gateway: { throttling: null } });
try {
  const product = (await loadCatalogFixture())[0]!;
  const token = await runtime.issuer.mintAccessToken({ sub: 'x', scopes: [scope('profile')] });
  const cat = httpEvent({ method: 'GET', path: `/catalog/${product.id}`, routeKey: routeKey(routes.catalogGet), pathParameters: { id: product.id } });
  const me = httpEvent({ method: 'GET', path: '/me', routeKey: routeKey(routes.me), headers: { authorization: `Bearer ${token}` } });
  subjects.push({ name: 'floor', bundle: join(OUT_DIR, 'bundles/floor.mjs'), event: cat, expectStatus: 200 });
  for (const v of variants) {
    for (const tier of ['public', 'api'] as const) {
      const file = await variantBuild(v, tier, join(REPO_ROOT, ENTRY_POINTS[tier]));
      subjects.push({ name: `${v}/${tier}`, bundle: file, event: tier === 'api' ? me : cat, expectStatus: 200 });
    }
  }
  const env = childEnvironment({ ...runtime.env, TOOLGATE_LIMITS: process.env.TOOLGATE_LIMITS! });
  const res = await measureColdStarts(subjects, { runs: Number(process.env.RUNS ?? 10), env, childScript: join(OUT_DIR, 'children/cold.mjs') });
  for (const r of res) console.log(r.name.padEnd(24), 'load', r.load.median.toFixed(1), 'first', r.firstResponse.median.toFixed(1), 'p90', r.firstResponse.p90.toFixed(1), 'rss', r.peakRssMiB.median.toFixed(0));
} finally { await runtime.stop(); }
process.exit(0);
