/**
 * `pnpm bench`: builds the tiers and baselines, then measures them phase by phase (phases.ts) and writes the
 * results and their report. The command line and settings are in settings.ts, the harness's plumbing in harness.ts.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadCatalogFixture } from '@toolgate/core/catalog/seed';
import { TIERS } from '@toolgate/core/concurrency';
import { routeKey, routes } from '@toolgate/core/manifest';
import { scope } from '@toolgate/core/scopes';
import { evaluateBudgets } from './budgets';
import { buildBundle, builtTiers } from './bundles';
import type { ColdSubject } from './cold';
import { httpEvent } from './events';
import { type FloodResult, runFlood } from './flood';
import {
  buildChildren,
  buildSet,
  cleanUp,
  cleanUpOnSignals,
  cleanups,
  discardStdout,
  fileOf,
  log,
  notePhase,
  phaseLoad,
  startedAt,
} from './harness';
import { ALL_ROUTES_EAGER, DEPLOYED_LEVERS, LAZY_ROUTE, LAZY_ROUTE_PATH } from './levers';
import { runMeta } from './meta';
import { BENCH_DIR, OUT_DIR, README_SECTION, RESULTS_JSON, RESULTS_MD } from './paths';
import { coldPhase, profilePhase, startServedRuntime, throughputPhase } from './phases';
import { childEnvironment, useNodeBinary } from './processes';
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
import {
  CONNECTIONS,
  exitCodeOf,
  flags,
  SCRATCH,
  SETTINGS,
  STREAM_CHUNK_DELAY_MS,
  STREAM_RUNS,
  UNTHROTTLED,
} from './settings';
import { measureStream, type StreamResult } from './stream';
import { measureWarm, type WarmResult, type WarmSubject } from './warm';

cleanUpOnSignals();

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
    return exitCodeOf(verdicts);
  }

  const baselines = await buildSet(
    ['floor', 'signed-floor', 'sdk-floor', 'peer', 'peer-api', 'api-no-io', 'api-all-routes'],
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
  const runtime = await startServedRuntime(bundles, keysDir);
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
    return exitCodeOf(verdicts);
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
  // A route that is not eager: what lazy routes cost the rest of the api tier.
  const toolsEvent = httpEvent({
    method: 'GET',
    path: '/tools',
    routeKey: routeKey(routes.toolsList),
    headers: { authorization: `Bearer ${chatToken}` },
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
    // The lazy-routes lever's paired "before": the same tier and levers, every route built at init.
    {
      name: ALL_ROUTES_EAGER,
      bundle: fileOf(bundles, 'api-all-routes'),
      event: meEvent(token),
      expectStatus: 200,
      levers: DEPLOYED_LEVERS,
    },
    // And what the lever costs a route it does not make eager, paired the same way.
    { name: LAZY_ROUTE, bundle: fileOf(bundles, 'api'), event: toolsEvent, expectStatus: 200, levers: DEPLOYED_LEVERS },
    {
      name: `${ALL_ROUTES_EAGER} ${LAZY_ROUTE_PATH}`,
      bundle: fileOf(bundles, 'api-all-routes'),
      event: toolsEvent,
      expectStatus: 200,
      levers: DEPLOYED_LEVERS,
    },
  ];
  const coldRuns = await coldPhase({ subjects, runtime, env, childScript: children.cold });
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
    return exitCodeOf(verdicts);
  }

  // 2. One profiled cold start of the api tier.
  const profile = await profilePhase({
    childScript: children.cold,
    bundle: profiled.file,
    event: meEvent(token),
    env,
    runtime,
  });

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

  // 4. Throughput: the gateway against bare node-servers.
  const load = await throughputPhase(runtime, product, token);

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
  return exitCodeOf(verdicts);
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
