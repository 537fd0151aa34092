import { closeSync, openSync, writeSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { loadCatalogFixture } from '@toolgate/core/catalog/seed';
import { TIERS } from '@toolgate/core/concurrency';
import { COMPILE_CACHE_DIR } from '@toolgate/core/deploy/lambda-node';
import type { LimitsConfig } from '@toolgate/core/limits/plans';
import { type HttpTier, routeKey, routes } from '@toolgate/core/manifest';
import { scope } from '@toolgate/core/scopes';
import { DEV_CHUNK_DELAY_MS } from '@toolgate/local/cli/dev';
import { installLambdaStreamingRuntime, type StreamingLambdaHandler } from '@toolgate/local/gateway/streaming';
import type { LambdaHandler } from '@toolgate/local/gateway/types';
import { servedTiers } from '@toolgate/local/handlers';
import { type LocalRuntime, startLocalRuntime } from '@toolgate/local/runtime';
import { build } from 'esbuild';
import { type BareServer, startBareCatalog, startBareConstant } from './bare-servers';
import { evaluateBudgets, THROUGHPUT_BUDGETED } from './budgets';
import { type BundleName, type BundleResult, buildBundle, builtTiers } from './bundles';
import { CHILD_ENV } from './children/protocol';
import { type ColdRun, type ColdSubject, measureColdStarts } from './cold';
import { httpEvent } from './events';
import { type FloodResult, runFlood } from './flood';
import { buildLeverCaches, LEVER_TIERS, withLeverVariants } from './levers';
import { runMeta } from './meta';
import { BENCH_DIR, OUT_DIR, README_SECTION, RESULTS_JSON, RESULTS_MD } from './paths';
import { childEnvironment, killAll, runNode, useNodeBinary } from './processes';
import { summarizeProfile } from './profile';
import { writeCharts } from './report/charts';
import {
  type BenchResults,
  printSummary,
  renderColdRuns,
  renderReadmeSection,
  renderReport,
  renderStream,
  withoutDetail,
} from './report/index';
import { coldRuntimes, lambdaBaseEnvironment, lambdaSubject } from './runtimes';
import { measureStream, type StreamResult } from './stream';
import { type LoadResult, type LoadTarget, runLoad } from './throughput';
import { startTlsProxy } from './tls-proxy';
import { measureWarm, type WarmResult, type WarmSubject } from './warm';

const { values: flags } = parseArgs({
  options: {
    /** Exit non-zero when a budget is missed. */
    check: { type: 'boolean', default: false },
    /** Build and size the tiers only (deterministic, ~10 s): what CI runs with --check. Writes no results. */
    'bundles-only': { type: 'boolean', default: false },
    /** Fewer runs and shorter loads, written to bench/.out/ only: for working on the bench itself. */
    quick: { type: 'boolean', default: false },
    /**
     * Run the measured processes on another Node binary (the harness itself stays on this one). The Lambda-like
     * cold rows always run on the pinned Node 22 and 24 (`nodes.ts`); this sets the plain, flagless row.
     */
    node: { type: 'string' },
    /** Cold processes per subject and runtime (overrides the default of --quick or a full run). */
    runs: { type: 'string' },
    /**
     * The Lambda-like rows reach DynamoDB over plain http instead of through the loopback TLS proxy (which makes
     * their first call pay a TLS handshake, as deployed).
     */
    'dynamodb-http': { type: 'boolean', default: false },
    /** Cold starts only (no profile, warm or throughput), written to bench/.out/ only: for working on the harness. */
    'cold-only': { type: 'boolean', default: false },
    /** The streamed chat against the buffered one only (issue 18), written to bench/.out/ only. */
    'stream-only': { type: 'boolean', default: false },
  },
  strict: true,
});

const SETTINGS = flags.quick
  ? {
      coldRuns: 5,
      warmIterations: 2_000,
      warmup: 300,
      warmRepeats: 1,
      loadSeconds: 3,
      loadRounds: 1,
      warmLoadSeconds: 1,
      floodSeconds: 2,
    }
  : {
      coldRuns: 25,
      warmIterations: 10_000,
      warmup: 1_000,
      warmRepeats: 5,
      loadSeconds: 10,
      loadRounds: 2,
      warmLoadSeconds: 2,
      floodSeconds: 8,
    };
if (flags.runs !== undefined) {
  const runs = Number(flags.runs);
  if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs must be a positive whole number, not ${flags.runs}`);
  SETTINGS.coldRuns = runs;
}
/** A partial run must never overwrite the published results. */
const SCRATCH = flags.quick || flags['cold-only'] || flags['stream-only'] || flags.runs !== undefined;
/** Streamed-versus-buffered chats per run. */
const STREAM_RUNS = flags.quick ? 10 : 40;
/**
 * The dev model's time per word in the stream phase: what `pnpm dev` uses, so the figures are the ones a developer
 * sees. A buffered chat spends it too (the model generates at that pace either way).
 */
const STREAM_CHUNK_DELAY_MS = DEV_CHUNK_DELAY_MS;
const CONNECTIONS = 10;

/**
 * Limits for the timing runs. One client IP and one user send every request here, so the public tier's per-IP
 * bucket and the per-plan minute limits would answer 429 within a second. The counters still run (the api tier's
 * DynamoDB write per request is part of what is measured); only their limits are out of reach.
 */
const UNTHROTTLED: LimitsConfig = {
  plans: {
    free: { requestsPerMinute: { standard: 1e7, tools: 1e7, chat: 1e7 }, chatTokensPerMonth: 1e9 },
    pro: { requestsPerMinute: { standard: 1e7, tools: 1e7, chat: 1e7 }, chatTokensPerMonth: 1e9 },
  },
  public: { burst: 1e7, refillPerSecond: 1e7, maxTrackedClients: 10_000 },
};

/**
 * The gateway runs the tier handlers in this process, and they log every request to stdout. Sent to a terminal or
 * a pipe, that would measure the reader; /dev/null keeps the cost of the write itself, as a Lambda's drained log
 * pipe does. Returns the function that restores stdout.
 */
function discardStdout(): () => void {
  const fd = openSync('/dev/null', 'w');
  const write = process.stdout.write;
  process.stdout.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    if (typeof chunk === 'string') writeSync(fd, chunk);
    else writeSync(fd, chunk);
    const callback = rest.find((argument) => typeof argument === 'function') as (() => void) | undefined;
    callback?.();
    return true;
  }) as typeof process.stdout.write;
  let restored = false;
  return () => {
    if (restored) return;
    restored = true;
    process.stdout.write = write;
    closeSync(fd);
  };
}

/** The 1-minute load average as each part starts: other work on this shared machine shows up as noise. */
const phaseLoad: Record<string, number> = {};
const notePhase = (phase: string) => {
  phaseLoad[phase] = Math.round((loadavg()[0] ?? 0) * 100) / 100;
};

const startedAt = performance.now();
const log = (message: string) =>
  process.stderr.write(`[bench ${((performance.now() - startedAt) / 1000).toFixed(1).padStart(5)}s] ${message}\n`);

const cleanups: (() => Promise<unknown>)[] = [];
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

/** The two child scripts, compiled once: a loader such as tsx must not be part of what a cold start measures. */
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

async function buildSet(names: readonly BundleName[], outDir: string) {
  const results: BundleResult[] = [];
  for (const name of names) results.push(await buildBundle(name, { outDir }));
  return results;
}

const fileOf = (set: readonly BundleResult[], name: string) => byName(set, name).file;

const byName = <T extends { name: string }>(items: readonly T[], name: string): T => {
  const item = items.find((candidate) => candidate.name === name);
  if (!item) throw new Error(`bench: nothing named ${name}`);
  return item;
};

async function main(): Promise<number> {
  if (flags.node) useNodeBinary(flags.node);
  const meta = runMeta(flags.node);
  log(`toolgate bench: node ${meta.node}, ${meta.cores} × ${meta.cpu}, commit ${meta.commit.slice(0, 10)}`);
  const tiers = builtTiers();
  const missingTiers = TIERS.filter((tier) => !tiers.includes(tier));
  if (missingTiers.length > 0) log(`no handler yet for: ${missingTiers.join(', ')} (not built, not budgeted)`);

  const tierBundles = await buildSet(tiers, join(OUT_DIR, 'bundles'));
  log(
    `built ${tierBundles.map((bundle) => `${bundle.name} ${(bundle.initialBytes / 1024).toFixed(0)} KB`).join(', ')}`,
  );
  if (flags['bundles-only']) {
    const verdicts = evaluateBudgets({ bundles: tierBundles });
    printSummary({ bundles: tierBundles, verdicts });
    return flags.check && verdicts.some((verdict) => !verdict.pass) ? 1 : 0;
  }

  const baselines = await buildSet(
    ['floor', 'signed-floor', 'sdk-floor', 'peer', 'peer-api', 'api-no-io'],
    join(OUT_DIR, 'bundles'),
  );
  const bundles = [...tierBundles, ...baselines];

  // The api tier once more, for its CPU profile: source maps, and line breaks kept so that the profile's line ticks
  // in module top-level code (where a bundle evaluates every package it inlines) can be told apart.
  const profiled = await buildBundle('api', {
    outDir: join(OUT_DIR, 'profile'),
    sourcemap: true,
    // `minify` implies all three; keep the identifier and syntax minification that the deployed code has.
    overrides: { minify: false, minifyIdentifiers: true, minifySyntax: true, minifyWhitespace: false },
  });
  const children = await buildChildren();

  process.env.TOOLGATE_LIMITS = JSON.stringify(UNTHROTTLED);
  const keysDir = await mkdtemp(join(tmpdir(), 'toolgate-bench-keys-'));
  cleanups.push(() => rm(keysDir, { recursive: true, force: true }));
  log('starting the local runtime (emulators, dev issuer, gateway)');
  const restoreStdout = discardStdout();
  cleanups.push(async () => restoreStdout());
  // The gateway serves the built bundles: the deployed code, not the sources through tsx.
  const loaded = new Map<string, LambdaHandler>();
  const bundleHandler =
    (tier: HttpTier): LambdaHandler =>
    async (event, context) => {
      // Imported on first use: a tier's module reads its configuration when imported, after the runtime set it.
      const file = fileOf(bundles, tier);
      let handler = loaded.get(file);
      if (!handler) {
        handler = ((await import(pathToFileURL(file).href)) as { handler: LambdaHandler }).handler;
        loaded.set(file, handler);
      }
      return handler(event, context);
    };
  // The api bundle's response-streaming handler, as a Function URL invokes it (the runtime's global first).
  installLambdaStreamingRuntime();
  let streamHandler: StreamingLambdaHandler | undefined;
  const bundleStreamHandler: StreamingLambdaHandler = async (event, responseStream, context) => {
    streamHandler ??= (
      (await import(pathToFileURL(fileOf(bundles, 'api')).href)) as { streamHandler: StreamingLambdaHandler }
    ).streamHandler;
    return streamHandler(event, responseStream, context);
  };
  process.env.TOOLGATE_DEV_MODEL_CHUNK_DELAY_MS = String(STREAM_CHUNK_DELAY_MS);
  const runtime: LocalRuntime = await startLocalRuntime({
    handlers: Object.fromEntries(servedTiers().map((tier) => [tier, bundleHandler(tier)])),
    streamHandlers: { api: bundleStreamHandler },
    port: 0,
    quiet: true,
    keysDir,
    gateway: { throttling: null },
  });
  cleanups.push(() => runtime.stop());
  const env = childEnvironment({ ...runtime.env, TOOLGATE_LIMITS: process.env.TOOLGATE_LIMITS });

  const chatToken = await runtime.issuer.mintAccessToken({
    sub: 'bench-chat-user',
    scopes: [scope('chat'), scope('tools'), scope('profile')],
    expiresInSeconds: 3600,
  });
  const streamPhase = async (): Promise<StreamResult> => {
    notePhase('stream');
    log(
      `stream: ${STREAM_RUNS} streamed and ${STREAM_RUNS} buffered chats, dev model at ${STREAM_CHUNK_DELAY_MS} ms/word`,
    );
    return measureStream({
      url: runtime.url,
      token: chatToken,
      runs: STREAM_RUNS,
      chunkDelayMs: STREAM_CHUNK_DELAY_MS,
    });
  };
  if (flags['stream-only']) {
    const stream = await streamPhase();
    restoreStdout();
    const verdicts = evaluateBudgets({ bundles: tierBundles, stream });
    await writeFile(join(OUT_DIR, 'stream.quick.json'), `${JSON.stringify(stream, null, 2)}\n`);
    log(renderStream(stream));
    printSummary({ bundles: tierBundles, verdicts: verdicts.filter((verdict) => !verdict.deterministic) });
    return flags.check && verdicts.some((verdict) => !verdict.pass) ? 1 : 0;
  }

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

  // 1. Cold starts: the baselines and the tiers.
  const subjects: ColdSubject[] = [
    { name: 'floor', bundle: fileOf(bundles, 'floor'), event: catalogEvent, expectStatus: 200 },
    { name: 'signed-floor', bundle: fileOf(bundles, 'signed-floor'), event: catalogEvent, expectStatus: 200 },
    { name: 'sdk-floor', bundle: fileOf(bundles, 'sdk-floor'), event: catalogEvent, expectStatus: 200 },
    { name: 'peer', bundle: fileOf(bundles, 'peer'), event: catalogEvent, expectStatus: 200 },
    { name: 'peer-api', bundle: fileOf(bundles, 'peer-api'), event: meEvent(token), expectStatus: 200 },
    { name: 'public', bundle: fileOf(bundles, 'public'), event: catalogEvent, expectStatus: 200 },
    { name: 'api', bundle: fileOf(bundles, 'api'), event: meEvent(token), expectStatus: 200 },
  ];
  const runtimes = await coldRuntimes(flags.node ?? process.execPath, log);
  // A compile cache left from an earlier build of the bundles would hold stale entries: each run builds its own.
  for (const tier of LEVER_TIERS) {
    await rm(join(dirname(fileOf(bundles, tier)), COMPILE_CACHE_DIR), { recursive: true, force: true });
  }
  const dynamodbEndpoint = runtime.env.AWS_ENDPOINT_URL_DYNAMODB;
  if (!dynamodbEndpoint) throw new Error('the local runtime gave no DynamoDB endpoint');
  const tls = flags['dynamodb-http'] ? undefined : await startTlsProxy(new URL(dynamodbEndpoint));
  if (tls) cleanups.push(() => tls.stop());
  let reported = 0;
  notePhase('cold start');
  const coldRuns: ColdRun[] = [];
  for (const target of runtimes) {
    if ('error' in target) {
      log(`cold starts on ${target.label}: SKIPPED, ${target.error}`);
      coldRuns.push({
        label: target.label,
        node: `v${target.version}`,
        lambda: true,
        results: [],
        error: target.error,
      });
      continue;
    }
    const runSubjects = target.lambda
      ? withLeverVariants(subjects).map((subject) => lambdaSubject(subject, target.major, runtime.region))
      : subjects;
    if (target.lambda) {
      for (const line of await buildLeverCaches(runSubjects, target)) log(`  compile cache: ${line}`);
    }
    log(
      `cold starts on ${target.label}: ${SETTINGS.coldRuns} fresh processes each for ${runSubjects.map((subject) => subject.name).join(', ')}`,
    );
    reported = 0;
    const results = await measureColdStarts(runSubjects, {
      node: target.binary,
      runs: SETTINGS.coldRuns,
      env: target.lambda ? lambdaBaseEnvironment(env, tls) : env,
      childScript: children.cold,
      onRun: (done, total) => {
        if (done === total || done - reported >= total / 4) {
          reported = done;
          log(`  ${done}/${total}`);
        }
      },
    });
    coldRuns.push({ label: target.label, node: target.node, lambda: target.lambda, results });
  }
  const cold = coldRuns.find((run) => !run.lambda)?.results ?? [];
  if (flags['cold-only']) {
    const verdicts = evaluateBudgets({ bundles: tierBundles, cold: coldRuns });
    await writeFile(
      join(OUT_DIR, 'cold.quick.json'),
      `${JSON.stringify(
        coldRuns.map((run) => ({ ...run, results: run.results.map(({ samples, ...rest }) => rest) })),
        null,
        2,
      )}\n`,
    );
    restoreStdout();
    process.stderr.write(`${renderColdRuns(coldRuns).join('\n')}\n`);
    printSummary({ bundles: tierBundles, verdicts });
    return flags.check && verdicts.some((verdict) => !verdict.pass) ? 1 : 0;
  }

  // 2. One profiled cold start of the api tier.
  log('CPU profile of one api cold start');
  const profileDir = join(OUT_DIR, 'cpu-profile');
  await rm(profileDir, { recursive: true, force: true });
  await mkdir(profileDir, { recursive: true });
  const profileRun = await runNode(children.cold, {
    nodeArgs: [
      '--cpu-prof',
      `--cpu-prof-dir=${profileDir}`,
      '--cpu-prof-name=api-cold.cpuprofile',
      '--cpu-prof-interval=100',
    ],
    env: { ...env, [CHILD_ENV]: JSON.stringify({ bundle: profiled.file, event: meEvent(token) }) },
    timeoutMs: 30_000,
    output: 'result-fd',
  });
  if (profileRun.code !== 0) throw new Error(`profiled cold start failed: ${profileRun.stderr}`);
  const profile = await summarizeProfile(join(profileDir, 'api-cold.cpuprofile'), join(OUT_DIR, 'profile'));

  // 3. Warm overhead.
  const warmSubjects: WarmSubject[] = [
    { name: 'floor', bundle: fileOf(bundles, 'floor'), event: catalogEvent, expectStatus: 200 },
    { name: 'api GET /me (no I/O)', bundle: fileOf(bundles, 'api-no-io'), event: meEvent(token), expectStatus: 200 },
    {
      name: 'api bundle, 403 after verification',
      bundle: fileOf(bundles, 'api'),
      event: meEvent(tokenWithoutScope),
      expectStatus: 403,
    },
  ];
  notePhase('warm');
  const warm: WarmResult[] = await measureWarm(warmSubjects, {
    env,
    childScript: children.warm,
    iterations: SETTINGS.warmIterations,
    warmup: SETTINGS.warmup,
    repeats: SETTINGS.warmRepeats,
    onRun: (name, repeat) =>
      log(`warm ${repeat + 1}/${SETTINGS.warmRepeats}: ${SETTINGS.warmIterations} invocations of ${name}`),
  });

  // 4. Throughput: the gateway (this process, running the tier handlers it imported) against bare node-servers.
  const servers: BareServer[] = [
    await startBareCatalog(runtime.region, runtime.tableName),
    await startBareConstant(product),
  ];
  for (const server of servers) cleanups.push(() => server.stop());
  const [bareCatalog, bareConstant] = servers as [BareServer, BareServer];
  const meTarget: LoadTarget = {
    name: 'gateway GET /me (JWT)',
    url: `${runtime.url}/me`,
    headers: { authorization: `Bearer ${token}` },
  };
  const catalogTargets: LoadTarget[] = [
    { name: THROUGHPUT_BUDGETED.baseline, url: `${bareCatalog.url}/catalog/${product.id}` },
    { name: THROUGHPUT_BUDGETED.subject, url: `${runtime.url}/catalog/${product.id}` },
  ];
  const targets: LoadTarget[] = [
    { name: 'bare node-server, constant', url: `${bareConstant.url}/catalog/${product.id}` },
    // The catalog targets take turns, round after round: a noisy neighbour then hits them alike.
    ...Array.from({ length: SETTINGS.loadRounds }, () => catalogTargets).flat(),
    meTarget,
  ];
  notePhase('throughput');
  const rounds: LoadResult[] = [];
  const loadEnv = childEnvironment({});
  const warmedUp = new Set<string>();
  for (const target of targets) {
    if (!warmedUp.has(target.name)) {
      warmedUp.add(target.name);
      await runLoad(target, { durationS: SETTINGS.warmLoadSeconds, connections: CONNECTIONS, env: loadEnv });
    }
    log(`load: ${target.name} for ${SETTINGS.loadSeconds} s`);
    const result = await runLoad(target, { durationS: SETTINGS.loadSeconds, connections: CONNECTIONS, env: loadEnv });
    if (result.non2xx > 0 || result.errors > 0) {
      throw new Error(`load on ${target.name}: ${result.non2xx} non-2xx, ${result.errors} errors`);
    }
    rounds.push(result);
  }
  const load = [...new Set(rounds.map((round) => round.name))].map((name) => mergeRounds(rounds, name));
  // Requests autocannon abandoned at its deadline may still be in the handlers: let them finish before the
  // emulators stop under them (dynalite throws on a closed database).
  await new Promise((resolve) => setTimeout(resolve, 1_000));

  // 5. A streamed chat against the buffered one.
  const stream = await streamPhase();
  restoreStdout();

  // 6. The flood-isolation demo, in its own process and runtime (the emulators above are stopped first: it would
  // compete with them for the same cores).
  await cleanUp();
  notePhase('flood');
  log(`flood isolation: pnpm demo:flood --seconds ${SETTINGS.floodSeconds}`);
  let flood: FloodResult | undefined;
  try {
    flood = await runFlood(SETTINGS.floodSeconds, childEnvironment({}));
  } catch (error) {
    log(`flood isolation not measured: ${(error as Error).message.split('\n')[0]}`);
  }

  const verdicts = evaluateBudgets({ bundles: tierBundles, cold: coldRuns, warm, load, stream });
  const results: BenchResults = {
    meta: { ...meta, quick: SCRATCH, durationS: Math.round((performance.now() - startedAt) / 1000), phaseLoad },
    settings: { ...SETTINGS, connections: CONNECTIONS },
    missingTiers,
    bundles,
    cold,
    coldRuns,
    profile,
    warm,
    load,
    stream,
    ...(flood ? { flood } : {}),
    verdicts,
  };
  const out = SCRATCH
    ? {
        md: join(OUT_DIR, 'RESULTS.quick.md'),
        json: join(OUT_DIR, 'results.quick.json'),
        readme: join(OUT_DIR, 'README-section.quick.md'),
        dir: OUT_DIR,
      }
    : { md: RESULTS_MD, json: RESULTS_JSON, readme: README_SECTION, dir: BENCH_DIR };
  const charts = await writeCharts(results, out.dir);
  // The hand-written part of RESULTS.md (decisions and history) is carried over from the published file.
  const previous = await readFile(RESULTS_MD, 'utf8').catch(() => undefined);
  await writeFile(out.json, `${JSON.stringify(withoutDetail(results), null, 2)}\n`);
  await writeFile(out.md, renderReport(results, charts, previous));
  await writeFile(out.readme, renderReadmeSection(results));
  log(`wrote ${out.md}, ${out.json}, ${out.readme} and ${charts.length} charts in ${join(out.dir, 'charts')}`);
  printSummary({ bundles: tierBundles, verdicts });
  return flags.check && verdicts.some((verdict) => !verdict.pass) ? 1 : 0;
}

/** One figure per target over its rounds: requests/s summed over the time of all rounds, the worst p99. */
function mergeRounds(rounds: readonly LoadResult[], name: string): LoadResult {
  const mine = rounds.filter((round) => round.name === name);
  const seconds = mine.reduce((sum, round) => sum + round.durationS, 0);
  const total = mine.reduce((sum, round) => sum + round.total, 0);
  return {
    name,
    durationS: seconds,
    connections: CONNECTIONS,
    requestsPerSecond: Math.round(total / seconds),
    p50Ms: Math.max(...mine.map((round) => round.p50Ms)),
    p99Ms: Math.max(...mine.map((round) => round.p99Ms)),
    total,
    non2xx: mine.reduce((sum, round) => sum + round.non2xx, 0),
    errors: mine.reduce((sum, round) => sum + round.errors, 0),
    rounds: mine.map((round) => round.requestsPerSecond),
  };
}

main()
  .then((code) => {
    process.exitCode = code;
  })
  .catch((error: unknown) => {
    process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 2;
  })
  .finally(async () => {
    // The results are written: an emulator complaining about a request it was still serving when stopped must not
    // turn a finished run into a crash (or change its exit code).
    process.on('uncaughtException', (error) => log(`ignored while stopping: ${error.message}`));
    await cleanUp();
    log(`done in ${((performance.now() - startedAt) / 1000).toFixed(0)} s`);
    // Emulators and SDK clients may keep sockets open a while; everything was stopped above.
    process.exit();
  });
