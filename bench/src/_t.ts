import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { routeKey, routes } from '@toolgate/core/manifest';
import { scope } from '@toolgate/core/scopes';
import { startLocalRuntime } from '@toolgate/local/runtime';
import { CHILD_ENV } from './children/protocol';
import { httpEvent } from './events';
import { OUT_DIR } from './paths';
import { childEnvironment, runNode } from './processes';
process.env.TOOLGATE_LIMITS = JSON.stringify({ plans: { free: { requestsPerMinute: { standard: 1e7, tools: 1e7, chat: 1e7 }, chatTokensPerMonth: 1e9 }, pro: { requestsPerMinute: { standard: 1e7, tools: 1e7, chat: 1e7 }, chatTokensPerMonth: 1e9 } } });
const runtime = await startLocalRuntime({ port: 0, quiet: true, keysDir: await mkdtemp(join(tmpdir(), 'x')), gateway: { throttling: null } });
const token = await runtime.issuer.mintAccessToken({ sub: 'x', scopes: [scope('profile')] });
const me = httpEvent({ method: 'GET', path: '/me', routeKey: routeKey(routes.me), headers: { authorization: `Bearer ${token}` } });
const env = childEnvironment({ ...runtime.env, TOOLGATE_LIMITS: process.env.TOOLGATE_LIMITS! });
for (let rep = 0; rep < 2; rep++)
for (const b of ['bundles', 'proposed']) for (const args of [[], ['--max-semi-space-size=32'], ['--max-semi-space-size=64']]) {
  const run = await runNode(join(OUT_DIR, 'children/warm.mjs'), { nodeArgs: args, env: { ...env, [CHILD_ENV]: JSON.stringify({ bundle: join(OUT_DIR, b, 'api-no-io/api.mjs'), event: me, warmup: 1000, iterations: 10000 }) }, timeoutMs: 60000, output: 'result-fd' });
  const r = JSON.parse(run.stdout).us; console.log(b.padEnd(9), (args[0] ?? 'default').padEnd(26), 'median', r.median.toFixed(0), 'p90', r.p90.toFixed(0), 'p99', r.p99.toFixed(0));
}
await runtime.stop(); process.exit(0);
