import { mkdtemp, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { routeKey, routes } from '@toolgate/core/manifest';
import { scope } from '@toolgate/core/scopes';
import { startLocalRuntime } from '@toolgate/local/runtime';
import { build } from 'esbuild';
import { bundleOptions } from '../../packages/functions/build';
import { httpEvent } from './events';
import { OUT_DIR, REPO_ROOT, BENCH_DIR } from './paths';
import { childEnvironment, runNode } from './processes';
import { summarizeProfile } from './profile';
const file = join(OUT_DIR, 'scratch', 'warmprof', 'api-no-io.mjs');
await build({ ...bundleOptions(join(BENCH_DIR, 'src/fixtures/api-no-io.ts'), file), absWorkingDir: REPO_ROOT, sourcemap: 'external' });
process.env.TOOLGATE_LIMITS = JSON.stringify({ plans: { free: { requestsPerMinute: { standard: 1e7, tools: 1e7, chat: 1e7 }, chatTokensPerMonth: 1e9 }, pro: { requestsPerMinute: { standard: 1e7, tools: 1e7, chat: 1e7 }, chatTokensPerMonth: 1e9 } } });
const keysDir = await mkdtemp(join(tmpdir(), 'tg-scratch-'));
const runtime = await startLocalRuntime({ port: 0, quiet: true, keysDir, gateway: { throttling: null } });
try {
  const token = await runtime.issuer.mintAccessToken({ sub: 'x', scopes: [scope('profile')] });
  const me = httpEvent({ method: 'GET', path: '/me', routeKey: routeKey(routes.me), headers: { authorization: `Bearer ${token}` } });
  const env = childEnvironment({ ...runtime.env, TOOLGATE_LIMITS: process.env.TOOLGATE_LIMITS! });
  const dir = join(OUT_DIR, 'scratch', 'warmprof'); await mkdir(dir, { recursive: true });
  const run = await runNode(join(OUT_DIR, 'children/warm.mjs'), { nodeArgs: ['--cpu-prof', '--cpu-prof-dir', dir, '--cpu-prof-name', 'warm.cpuprofile'], env: { ...env, BENCH_CHILD: JSON.stringify({ bundle: file, event: me, warmup: 500, iterations: 5000 }) }, timeoutMs: 60000 });
  console.log(run.code, run.stderr.slice(0, 300));
  const s = await summarizeProfile(join(dir, 'warm.cpuprofile'), file);
  console.log(JSON.stringify(s, null, 1));
} finally { await runtime.stop(); }
process.exit(0);
