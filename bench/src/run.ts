import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { TIERS } from '@toolgate/core/concurrency';
import type { LimitsConfig } from '@toolgate/core/limits/plans';
import { routeKey, routes } from '@toolgate/core/manifest';
import { scope } from '@toolgate/core/scopes';
import { type LocalRuntime, startLocalRuntime } from '@toolgate/local/runtime';
import { loadCatalogFixture } from '@toolgate/local/seed';
import { build } from 'esbuild';
import { type BareServer, startBareCatalog, startBareConstant } from './bare-servers';
import { evaluateBudgets } from './budgets';
import { type BundleName, type BundleResult, buildBundle, builtTiers } from './bundles';
import { type ColdResult, type ColdSubject, measureColdStarts } from './cold';
import { zodNamespaceImports } from './experiments';
import { runMeta } from './meta';
import { BENCH_DIR, OUT_DIR, RESULTS_JSON, RESULTS_MD } from './paths';
import { childEnvironment, killAll, runNode } from './processes';
import { type ProfileSummary, summarizeProfile } from './profile';
import { type BenchResults, printSummary, renderReport, withoutDetail } from './report';
import { type LoadResult, type LoadTarget, runLoad } from './throughput';
import { measureWarm, type WarmResult } from './warm';

const { values: flags } = parseArgs({
  options: {
    check: { type: 'boolean', default: false },
    'bundles-only': { type: 'boolean', default: false },
    /** Fewer runs and shorter loads, written to bench/.out/ only: for working on the bench itself. */
    quick: { type: 'boolean', default: false },
  },
  strict: true,
});

const settings = flags.quick
  ? { coldRuns: 5, warmIterations: 2_000, warmup: 300, loadSeconds: 3, warmLoadSeconds: 1, connections: 10 }
  : { coldRuns: 25, warmIterations: 10_000, warmup: 1_000, loadSeconds: 10, warmLoadSeconds: 2, connections: 10 };

/**
 * Limits for the timing runs only. One client IP and one user send every request here, so the public tier's
 * per-IP bucket and the per-plan minute limits (whose counters still run: the api tier's DynamoDB write per
 * request is part of what is measured) would otherwise answer 429 within a second.
 */
const UNTHROTTLED: LimitsConfig = {
  plans: {
    free: { requestsPerMinute: { standard: 1e7, tools: 1e7, chat: 1e7 }, chatTokensPerMonth: 1e9 },
    pro: { requestsPerMinute: { standard: 1e7, tools: 1e7, chat: 1e7 }, chatTokensPerMonth: 1e9 },
  },
  public: { burst: 1e7, refillPerSecond: 1e7, maxTrackedClients: 10_000 },
};

const startedAt = performance.now();
const log = (message: string) =>
  process.stderr.write(`[bench ${((performance.now() - startedAt) / 1000).toFixed(1).padStart(5)}s] ${message}\n`);

const cleanups: (() => Promise<void>)[] = [];
async function cleanUp(): Promise<void> {
  killAll();
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  cleanups.length = 0;
}
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    log(`${signal}: stopping children and emulators`);
    void cleanUp().finally(() => process.exit(130));
  });
}

/** The two children, compiled once: a loader such as tsx must not be part of what a cold start measures. */
async function buildChildren(): Promise<{ cold: string; warm: string }> {
  const outdir = join(OUT_DIR, 'children');
  await build({
    entryPoints: [join(BENCH_DIR, 'src/children/cold.ts'), join(BENCH_DIR, 'src/children/warm.ts')],
    outdir,
    outExtension: { '.js': '.mjs' },
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    logLevel: 'warning',
  });
  return { cold: join(outdir, 'cold.mjs'), warm: join(outdir, 'warm.mjs') };
}

async function buildAll(withBaselines: boolean) {
  const tiers = builtTiers();
  const names: BundleName[] = [...tiers, ...(withBaselines ? (['floor', 'peer', 'api-no-io'] as const) : [])];
  const bundles: BundleResult[] = [];
  for (const name of names) bundles.push(await buildBundle(name, { outDir: join(OUT_DIR, 'bundles') }));
  return { tiers, missing: TIERS.filter((tier) => !tiers.includes(tier)), bundles };
}

async function main(): Promise<number> {
  const meta = runMeta();
  log(`toolgate bench: node ${meta.node}, ${meta.cores} × ${meta.cpu}, commit ${meta.commit.slice(0, 10)}`);

  const bundlesOnly = flags['bundles-only'];
  const { tiers, missing, bundles } = await buildAll(!bundlesOnly);
  log(`built ${bundles.map((bundle) => `${bundle.name} ${(bundle.bytes / 1024).toFixed(0)} KB`).join(', ')}`);
  if (missing.length > 0) log(`no handler yet for: ${missing.join(', ')} (not built, not budgeted)`);

  if (bundlesOnly) {
    const verdicts = evaluateBudgets({ bundles });
    printSummary({ bundles, verdicts });
    return flags.check && verdicts.some((verdict) => !verdict.pass) ? 1 : 0;
  }

  // What-if builds for the proposed fix; they are measured only while the sources still need it.
  const whatIf = zodNamespaceImports();
  const whatIfBundles: BundleResult[] = [];
  for (const tier of tiers) {
    whatIfBundles.push(await buildBundle(tier, { outDir: join(OUT_DIR, 'what-if'), plugins: [whatIf.plugin] }));
  }
  const whatIfFiles = [...whatIf.rewritten].map((path) => path.slice(path.indexOf('/packages/') + 1)).sort();

  // The api bundle again with an external source map, to read its CPU profile; the code must be byte-identical.
  const profiled = await buildBundle('api', { outDir: join(OUT_DIR, 'profile'), sourcemap: true });
  const measuredApi = bundles.find((bundle) => bundle.name === 'api');
  if (!measuredApi) throw new Error('the api tier has no handler: nothing to measure');
  if (!(await readFile(profiled.file)).equals(await readFile(measuredApi.file))) {
    throw new Error('the source-mapped api bundle differs from the measured one: its profile would describe other code');
  }
  const children = await buildChildren();

  process.env.TOOLGATE_LIMITS = JSON.stringify(UNTHROTTLED);
  const keysDir = await mkdtemp(join(tmpdir(), 'toolgate-bench-keys-'));
  cleanups.push(() => rm(keysDir, { recursive: true, force: true }));
  log('starting the local runtime (emulators, dev issuer, gateway)');
  const runtime: LocalRuntime = await startLocalRuntime({
    port: 0,
    quiet: true,
    keysDir,
    gateway: { throttling: null },
  });
  cleanups.push(() => runtime.stop());
  const env = childEnvironment({ ...runtime.env, TOOLGATE_LIMITS: process.env.TOOLGATE_LIMITS });

  const product = (await loadCatalogFixture())[0];
  if (!product) throw new Error('the catalog fixture is empty');
  const sub = 'bench-user';
  const token = await runtime.issuer.mintAccessToken({ sub, scopes: [scope('profile')], expiresInSeconds: 3600 });
  // Valid in every way but the scope: the guard verifies it completely, then refuses it (403) before any I/O.
  const tokenWithoutScope = await runtime.issuer.mintAccessToken({
    sub,
    scopes: [scope('chat')],
    expiresInSeconds: 3600,
  });
  const { httpEvent } = await import('./events');
  const catalogEvent = httpEvent({
    method: 'GET',
    path: `/catalog/${product.id}`,
    routeKey: routeKey(routes.catalogGet),
    pathParameters: { id: product.id },
  });
  const meEvent = (bearer: string) =>
    httpEvent({
      method: 'GET',
      path: '/me',
      routeKey: routeKey(routes.me),
      headers: { authorization: `Bearer ${bearer}` },
    });

  const fileOf = (name: BundleName) => {
    const bundle = bundles.find((candidate) => candidate.name === name);
    if (!bundle) throw new Error(`no ${name} bundle`);
    return bundle.file;
  };

  // Cold starts.
  const subjects: ColdSubject[] = [
    { name: 'floor', bundle: fileOf('floor'), event: catalogEvent, expectStatus: 200 },
    { name: 'peer', bundle: fileOf('peer'), event: catalogEvent, expectStatus: 200 },
    { name: 'public', bundle: fileOf('public'), event: catalogEvent, expectStatus: 200 },
    { name: 'api', bundle: fileOf('api'), event: meEvent(token), expectStatus: 200 },
  ];
  for (const tier of ['public', 'api'] as const) {
    const actual = bundles.find((bundle) => bundle.name === tier);
    const candidate = whatIfBundles.find((bundle) => bundle.name === tier);
    // Only where the fix changes the bundle (the public tier keeps all of zod through @hono/zod-openapi).
    if (actual && candidate && candidate.bytes < actual.bytes * 0.99) {
      subjects.push({
        name: `${tier} (what-if)`,
        bundle: candidate.file,
        event: tier === 'api' ? meEvent(token) : catalogEvent,
        expectStatus: 200,
      });
    }
  }
  log(`cold starts: ${settings.coldRuns} fresh processes × ${subjects.map((subject) => subject.name).join(', ')}`);
  let lastProgress = 0;
  const cold: ColdResult[] = await measureColdStarts(subjects, {
    runs: settings.coldRuns,
    env,
    childScript: children.cold,
    onRun: (done, total) => {
      if (done - lastProgress >= Math.ceil(total / 5) || done === total) {
        lastProgress = done;
        log(`  ${done}/${total}`);
      }
    },
  });

  // One profiled cold start of the api tier.
  log('CPU profile of one api cold start');
  const profileDir = join(OUT_DIR, 'cpu-profile');
  await rm(profileDir, { recursive: true, force: true });
  await mkdir(profileDir, { recursive: true });
  const profileRun = await runNode(children.cold, {
    nodeArgs: ['--cpu-prof', '--cpu-prof-dir', profileDir, '--cpu-prof-name', 'api-cold.cpuprofile', '--cpu-prof-interval', '100'],
    env: { ...env, BENCH_CHILD: JSON.stringify({ bundle: profiled.file, event: meEvent(token) }) },
    timeoutMs: 30_000,
  });
  if (profileRun.code !== 0) throw new Error(`profiled cold start failed: ${profileRun.stderr}`);
  const profile: ProfileSummary = await summarizeProfile(join(profileDir, 'api-cold.cpuprofile'), profiled.file);

  // Warm overhead.
  const warm: WarmResult[] = [];
  const warmSubjects = [
    { name: 'floor', bundle: fileOf('floor'), event: catalogEvent, expectStatus: 200 },
    { name: 'api GET /me (no I/O)', bundle: fileOf('api-no-io'), event: meEvent(token), expectStatus: 200 },
    { name: 'api bundle, 403 after verify', bundle: fileOf('api'), event: meEvent(tokenWithoutScope), expectStatus: 403 },
  ];
  for (const subject of warmSubjects) {
    log(`warm: ${settings.warmIterations} invocations of ${subject.name}`);
    warm.push(
      await measureWarm(subject, {
        env,
        childScript: children.warm,
        iterations: settings.warmIterations,
        warmup: settings.warmup,
      }),
    );
  }

  // Throughput: the gateway (in this process, with the tier handlers it imported) against bare node-servers.
  const servers: BareServer[] = [
    await startBareCatalog(runtime.region, runtime.tableName),
    await startBareConstant(product),
  ];
  for (const server of servers) cleanups.push(() => server.stop());
  const [bareCatalog, bareConstant] = servers as [BareServer, BareServer];
  const targets: LoadTarget[] = [
    { name: 'bare node-server, constant', url: `${bareConstant.url}/catalog/${product.id}` },
    { name: 'bare node-server, same DynamoDB read', url: `${bareCatalog.url}/catalog/${product.id}` },
    { name: 'gateway GET /catalog/{id}', url: `${runtime.url}/catalog/${product.id}` },
    { name: 'gateway GET /me (JWT)', url: `${runtime.url}/me`, headers: { authorization: `Bearer ${token}` } },
  ];
  const load: LoadResult[] = [];
  const loadEnv = childEnvironment({});
  for (const target of targets) {
    log(`load: ${target.name} (${settings.warmLoadSeconds} s warm-up, ${settings.loadSeconds} s measured)`);
    await runLoad(target, { durationS: settings.warmLoadSeconds, connections: settings.connections, env: loadEnv });
    const result = await runLoad(target, {
      durationS: settings.loadSeconds,
      connections: settings.connections,
      env: loadEnv,
    });
    if (result.non2xx > 0 || result.errors > 0) {
      throw new Error(`load on ${target.name}: ${result.non2xx} non-2xx, ${result.errors} errors`);
    }
    load.push(result);
  }

  await cleanUp();

  const partial = { bundles, cold, warm, load };
  const verdicts = evaluateBudgets(partial);
  const results: BenchResults = {
    meta: { ...meta, quick: flags.quick, durationS: Math.round((performance.now() - startedAt) / 1000) },
    settings,
    missingTiers: missing,
    bundles,
    whatIf: { change: "import { z } from 'zod' → import * as z from 'zod'", files: whatIfFiles, bundles: whatIfBundles },
    cold,
    profile,
    warm,
    load,
    verdicts,
  };

  const target = flags.quick ? { md: join(OUT_DIR, 'RESULTS.quick.md'), json: join(OUT_DIR, 'results.quick.json') } : { md: RESULTS_MD, json: RESULTS_JSON };
  await writeFile(target.json, `${JSON.stringify(withoutDetail(results), null, 2)}\n`);
  await writeFile(target.md, renderReport(results));
  log(`wrote ${target.md} and ${target.json}`);
  printSummary({ bundles, verdicts });
  return flags.check && verdicts.some((verdict) => !verdict.pass) ? 1 : 0;
}

main()
  .then((code) => {
    process.exitCode = code;
  })
  .catch(async (error: unknown) => {
    process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 2;
  })
  .finally(async () => {
    await cleanUp();
    log(`done in ${((performance.now() - startedAt) / 1000).toFixed(0)} s`);
  });
