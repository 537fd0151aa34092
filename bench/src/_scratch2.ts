import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { routeKey, routes } from '@toolgate/core/manifest';
import { startLocalRuntime } from '@toolgate/local/runtime';
import { loadCatalogFixture } from '@toolgate/local/seed';
import { build } from 'esbuild';
import { bundleOptions } from '../../packages/functions/build';
import { measureColdStarts } from './cold';
import { httpEvent } from './events';
import { OUT_DIR, REPO_ROOT } from './paths';
import { childEnvironment } from './processes';
const file = join(OUT_DIR, 'scratch', 'sdk-floor.mjs');
await build({ ...bundleOptions(join(OUT_DIR, 'scratch-src/sdk-floor.ts'), file), absWorkingDir: REPO_ROOT, nodePaths: [join(REPO_ROOT, 'packages/core/node_modules'), join(REPO_ROOT, 'packages/functions/node_modules')] });
const keysDir = await mkdtemp(join(tmpdir(), 'tg-scratch-'));
const runtime = await startLocalRuntime({ port: 0, quiet: true, keysDir, gateway: { throttling: null } });
try {
  const product = (await loadCatalogFixture())[0]!;
  const cat = httpEvent({ method: 'GET', path: `/catalog/${product.id}`, routeKey: routeKey(routes.catalogGet), pathParameters: { id: product.id } });
  const subjects = [
    { name: 'floor', bundle: join(OUT_DIR, 'bundles/floor.mjs'), event: cat, expectStatus: 200 },
    { name: 'sdk-floor', bundle: file, event: cat, expectStatus: 200 },
    { name: 'public', bundle: join(OUT_DIR, 'bundles/public.mjs'), event: cat, expectStatus: 200 },
  ];
  const env = childEnvironment({ ...runtime.env });
  const res = await measureColdStarts(subjects, { runs: Number(process.env.RUNS ?? 10), env, childScript: join(OUT_DIR, 'children/cold.mjs') });
  for (const r of res) console.log(r.name.padEnd(24), 'load', r.load.median.toFixed(1), 'first', r.firstResponse.median.toFixed(1), 'req', r.firstRequest.median.toFixed(1), 'rss', r.peakRssMiB.median.toFixed(0));
} finally { await runtime.stop(); }
process.exit(0);
