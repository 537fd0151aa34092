import { createHash } from 'node:crypto';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { HTTP_TIERS, type HttpTier } from '@toolgate/core/manifest';
import { type FSWatcher, watch } from 'chokidar';
import { formatMessages, type Message } from 'esbuild';
import type { LambdaFunction } from '../emulators/stepfunctions';
import { isStreamingHandler, type StreamingLambdaHandler } from '../gateway/streaming';
import type { LambdaHandler } from '../gateway/types';
import type { SqsHandler } from '../queue/poller';
import { createHandlerBundler, type HandlerBuild, type HandlerBundler, RELOADED_PACKAGES } from './bundle';

/**
 * Hot reload of the tier handlers (issue 19 §3), for `pnpm dev`: the emulators, the gateway, the dev issuer and their
 * data stay up; only the handler modules are replaced.
 *
 * Why bundles, not a worker process: the local runtime calls each handler as a function, in its own process, inside
 * the local IAM check (an AsyncLocalStorage plus SDK middleware that core's client factories pick up from a global
 * registry), the Step Functions emulator and the queue poller. A handler in a child process or worker thread would
 * need all of that carried across a message channel, and every restart would pay a cold start of the whole SDK.
 * Node cannot unload an ES module, and a loader hook (tsx's namespaces) re-imports the entry but not the core files
 * it depends on — so each change is bundled by esbuild (incrementally: only changed files are re-read) into a folder
 * of its own and imported from there: a fresh module graph of toolgate's code every time, while third-party packages
 * stay external and are the instances the process already holds. The registry the local IAM uses lives on
 * `globalThis`, so new modules see it; their module-level singletons (SDK clients, verifier) are created anew from
 * the same environment. Each reload keeps the previous graph in memory (it cannot be freed): a few MB, measured by
 * `scripts/reload-measure.ts` (README, "Hot reload").
 *
 * A build error (syntax, unresolved import) or a module that throws while loading is printed with its file and line,
 * and the last good handlers keep serving. esbuild strips types without checking them: `pnpm typecheck` still does.
 *
 * Slightly over 300 lines on purpose: the build, the import of a build and the watch share one reloader's state
 * (the esbuild context, the last good handlers, the build folders); creating and cleaning those folders is
 * build-dirs.ts.
 */

/** Every handler a reload replaces, ready to invoke. */
export interface ReloadedHandlers {
  http: Partial<Record<HttpTier, LambdaHandler>>;
  /** The tiers' response-streaming handlers (their `streamHandler` exports), for the manifest's `stream` routes. */
  streams: Partial<Record<HttpTier, StreamingLambdaHandler>>;
  worker: SqsHandler;
  steps: LambdaFunction;
}

export interface ReloadEvent {
  /** `reloaded`: new handlers serve; `unchanged`: the build produced the same code; `failed`: the last good serve. */
  outcome: 'reloaded' | 'unchanged' | 'failed';
  /** From the change (or the call) to the new handlers in place. */
  durationMs: number;
  /** Of which esbuild's rebuild (the rest: debounce, writing and importing the build). */
  buildMs: number;
  /** The changed files that started it, relative to the source root (empty for an explicit `reload()`). */
  changed: string[];
  /** The build number now serving. */
  generation: number;
  /** What went wrong, formatted for a terminal (file, line, code frame), when `failed`. */
  error?: string;
}

export interface HandlerReloaderOptions {
  /** The folder holding `packages/core` and `packages/functions` whose sources are bundled and watched. */
  sourceRoot: string;
  /** The repo whose installed dependencies the handlers import (usually the same folder). */
  repoRoot: string;
  /** Each build is written to `<outDir>/handlers-build-<n>/`; the folder is removed on stop. */
  outDir: string;
  /** Watch the sources and reload on change. Default true; false leaves reloads to `reload()`. */
  watch?: boolean;
  /** Changes closer together than this make one reload. */
  debounceMs?: number;
  /** One line per reload (and the error, when one fails). */
  log?: (line: string) => void;
  onReload?: (event: ReloadEvent) => void;
}

export interface HandlerReloader {
  /** The handlers of the last good build. */
  current(): ReloadedHandlers;
  /** Rebuilds now (after any reload in progress); resolves with what happened. */
  reload(): Promise<ReloadEvent>;
  stop(): Promise<void>;
}

/** Each build's folder is `<outDir>/handlers-build-<n>`. */
export const BUILD_FOLDER = 'handlers-build-';
const TIER_FILES = [...HTTP_TIERS, 'worker', 'steps'] as const;
/** Builds kept on disk: the serving one and the one before (a request in flight may still load a lazy chunk). */
const KEPT_BUILDS = 2;

const isSource = (file: string) => /\.(ts|mts|json)$/.test(file) && !/\.test\.ts$/.test(file);

async function formatBuildErrors(errors: Message[]): Promise<string> {
  return (await formatMessages(errors, { kind: 'error', color: false, terminalWidth: 100 })).join('').trimEnd();
}

function describeLoadError(error: unknown): string {
  return error instanceof Error ? (error.stack ?? error.message) : String(error);
}

function handlerOf(module: { handler?: unknown }, file: string): unknown {
  if (typeof module.handler !== 'function') throw new Error(`${file} does not export a handler function`);
  return module.handler;
}

export interface PreparedReloader {
  /** Imports the first build (once the environment the handlers read is in place) and starts watching. */
  start(): Promise<HandlerReloader>;
  /** Ends esbuild's context; the reloader's `stop` does it too (once is enough, twice is harmless). */
  dispose(): Promise<void>;
}

interface TimedBuild {
  build: HandlerBuild;
  buildMs: number;
}

async function timedBuild(bundler: HandlerBundler): Promise<TimedBuild> {
  const started = performance.now();
  const build = await bundler.build();
  return { build, buildMs: Math.round(performance.now() - started) };
}

/**
 * Starts esbuild on the first build at once: it needs no environment, so the runtime overlaps it with the emulators'
 * start and `pnpm dev` is ready no later than without hot reload.
 */
export function prepareHandlerReloader(options: HandlerReloaderOptions): PreparedReloader {
  const bundler = createHandlerBundler({
    sourceRoot: options.sourceRoot,
    repoRoot: options.repoRoot,
    outdir: join(options.outDir, BUILD_FOLDER.replace(/-$/, '')),
  });
  const first = bundler.then(timedBuild);
  // Awaited by `start`; a failure must not be an unhandled rejection meanwhile.
  first.catch(() => undefined);
  let disposed: Promise<void> | undefined;
  const dispose = () => {
    disposed ??= bundler.then(
      (ready) => ready.dispose(),
      () => undefined,
    );
    return disposed;
  };
  return {
    start: async () => {
      try {
        return await startReloader(options, await bundler, await first, dispose);
      } catch (error) {
        await dispose();
        throw error;
      }
    },
    dispose,
  };
}

async function startReloader(
  options: HandlerReloaderOptions,
  bundler: HandlerBundler,
  firstBuild: TimedBuild,
  dispose: () => Promise<void>,
): Promise<HandlerReloader> {
  const { sourceRoot, outDir, log = () => undefined } = options;
  await rm(outDir, { recursive: true, force: true });
  let generation = 0;
  let serving: { handlers: ReloadedHandlers; hash: string } | undefined;
  // Never the same folder twice, failed attempts included: Node caches a module by URL, even one that threw.
  let attempts = 0;
  const kept: string[] = [];

  async function load(build: HandlerBuild, dir: string): Promise<ReloadedHandlers> {
    for (const file of build.files) {
      await mkdir(dirname(join(dir, file.path)), { recursive: true });
      await writeFile(join(dir, file.path), file.contents);
    }
    // Every tier imported before any is swapped in: a reload is all or nothing.
    const modules = await Promise.all(
      TIER_FILES.map(async (tier) => {
        const file = join(dir, `${tier}.mjs`);
        // A test runner must import builds natively (vitest: `server.deps.external`, see tests/vitest.config.ts).
        const module = (await import(/* @vite-ignore */ pathToFileURL(file).href)) as {
          handler?: unknown;
          streamHandler?: unknown;
        };
        return [tier, { handler: handlerOf(module, file), streamHandler: module.streamHandler }] as const;
      }),
    );
    const byTier = Object.fromEntries(modules) as Record<
      (typeof TIER_FILES)[number],
      { handler: unknown; streamHandler: unknown }
    >;
    const streams: Partial<Record<HttpTier, StreamingLambdaHandler>> = {};
    for (const tier of HTTP_TIERS) {
      const { streamHandler } = byTier[tier];
      if (isStreamingHandler(streamHandler)) streams[tier] = streamHandler;
    }
    return {
      http: Object.fromEntries(HTTP_TIERS.map((tier) => [tier, byTier[tier].handler as LambdaHandler])),
      streams,
      worker: byTier.worker.handler as SqsHandler,
      steps: byTier.steps.handler as LambdaFunction,
    };
  }

  async function keep(dir: string): Promise<void> {
    kept.push(dir);
    while (kept.length > KEPT_BUILDS) {
      const old = kept.shift();
      if (old) await rm(old, { recursive: true, force: true });
    }
  }

  async function rebuild(changed: string[], since: number, prebuilt?: TimedBuild): Promise<ReloadEvent> {
    const { build, buildMs } = prebuilt ?? (await timedBuild(bundler));
    const base = () => ({ durationMs: Math.round(performance.now() - since), buildMs, changed, generation });
    if (build.errors.length > 0) return { ...base(), outcome: 'failed', error: await formatBuildErrors(build.errors) };
    const hash = createHash('sha256');
    for (const file of build.files) hash.update(file.path).update(file.contents);
    const digest = hash.digest('hex');
    if (serving && serving.hash === digest) return { ...base(), outcome: 'unchanged' };
    attempts += 1;
    const dir = join(outDir, `${BUILD_FOLDER}${attempts}`);
    try {
      const handlers = await load(build, dir);
      generation += 1;
      serving = { handlers, hash: digest };
      await keep(dir);
      return { ...base(), outcome: 'reloaded' };
    } catch (error) {
      await rm(dir, { recursive: true, force: true });
      return { ...base(), outcome: 'failed', error: describeLoadError(error) };
    }
  }

  const first = await rebuild([], performance.now(), firstBuild);
  if (first.outcome !== 'reloaded') {
    throw new Error(`The tier handlers could not be built:\n${first.error ?? first.outcome}`);
  }

  // One reload at a time; changes that arrive during one are collected for the next.
  let running: Promise<ReloadEvent> | undefined;
  let pending: { changed: Set<string>; since: number } | undefined;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;

  function report(event: ReloadEvent): ReloadEvent {
    const what =
      event.changed.length > 0
        ? ` (${event.changed.slice(0, 3).join(', ')}${event.changed.length > 3 ? ', …' : ''})`
        : '';
    if (event.outcome === 'failed') {
      log(
        `toolgate dev: reload failed after ${event.durationMs} ms${what}; still serving build ${event.generation}\n${event.error}`,
      );
    } else if (event.outcome === 'reloaded') {
      log(
        `toolgate dev: handlers reloaded in ${event.durationMs} ms (esbuild ${event.buildMs} ms)${what} ` +
          // Each build stays in memory (ES modules cannot be unloaded): the heap says when a restart would help.
          `(build ${event.generation}, heap ${Math.round(process.memoryUsage().heapUsed / 2 ** 20)} MiB)`,
      );
      if (event.changed.some((file) => file.includes('/manifest/'))) {
        log(
          'toolgate dev: the route manifest changed: the local gateway keeps the routes it started with until restarted',
        );
      }
    } else {
      log(`toolgate dev: handlers unchanged (${event.durationMs} ms)`);
    }
    options.onReload?.(event);
    return event;
  }

  function runNext(): Promise<ReloadEvent> {
    const batch = pending ?? { changed: new Set<string>(), since: performance.now() };
    pending = undefined;
    const next = (running ?? Promise.resolve())
      .catch(() => undefined)
      .then(() => rebuild([...batch.changed], batch.since))
      .then(report, (error: unknown) =>
        report({
          outcome: 'failed',
          durationMs: Math.round(performance.now() - batch.since),
          buildMs: 0,
          changed: [...batch.changed],
          generation,
          error: describeLoadError(error),
        }),
      );
    running = next;
    return next;
  }

  // chokidar, not `fs.watch(dir, { recursive: true })`: Node 20's recursive watch on Linux stops reporting a file
  // once it is replaced by a rename, which is how many editors (and `sed -i`) save.
  let watcher: FSWatcher | undefined;
  if (options.watch !== false) {
    watcher = watch(
      RELOADED_PACKAGES.map((pkg) => join(sourceRoot, 'packages', pkg, 'src')),
      {
        ignoreInitial: true,
        ignored: (path, stats) => path.includes('/node_modules/') || (stats?.isFile() === true && !isSource(path)),
      },
    );
    watcher.on('all', (_event, path) => {
      if (stopped || !isSource(path)) return;
      pending ??= { changed: new Set(), since: performance.now() };
      pending.changed.add(relative(sourceRoot, path));
      clearTimeout(timer);
      timer = setTimeout(() => void runNext(), options.debounceMs ?? 100);
    });
    const ready = watcher;
    await new Promise<void>((resolve, reject) => {
      ready.once('ready', resolve);
      ready.once('error', reject);
    });
  }

  return {
    current() {
      if (!serving) throw new Error('no handlers loaded');
      return serving.handlers;
    },
    reload: () => runNext(),
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await watcher?.close();
      await running?.catch(() => undefined);
      await dispose();
      await rm(outDir, { recursive: true, force: true });
    },
  };
}
