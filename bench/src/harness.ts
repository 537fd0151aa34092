/** The bench harness's plumbing: its log, the load noted per phase, clean-up on exit or signal, and its builds. */
import { closeSync, openSync, writeSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { type BundleName, type BundleResult, buildBundle } from './bundles';
import { BENCH_DIR, OUT_DIR } from './paths';
import { killAll } from './processes';

/**
 * The gateway runs the tier handlers in this process, and they log every request to stdout. Sent to a terminal or
 * a pipe, that would measure the reader; /dev/null keeps the cost of the write itself, as a Lambda's drained log
 * pipe does. Returns the function that restores stdout.
 */
export function discardStdout(): () => void {
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
export const phaseLoad: Record<string, number> = {};
export const notePhase = (phase: string) => {
  phaseLoad[phase] = Math.round((loadavg()[0] ?? 0) * 100) / 100;
};

export const startedAt = performance.now();
export const log = (message: string) =>
  process.stderr.write(`[bench ${((performance.now() - startedAt) / 1000).toFixed(1).padStart(5)}s] ${message}\n`);

export const cleanups: (() => Promise<unknown>)[] = [];
export async function cleanUp(): Promise<void> {
  killAll();
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  cleanups.length = 0;
}
/** On SIGINT or SIGTERM: stop the children and emulators, then exit. */
export function cleanUpOnSignals(): void {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      log(`${signal}: stopping children and emulators`);
      void cleanUp().finally(() => process.exit(130));
    });
  }
}

/** The two child scripts, compiled once: a loader such as tsx must not be part of what a cold start measures. */
export async function buildChildren(): Promise<{ cold: string; warm: string }> {
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

export async function buildSet(names: readonly BundleName[], outDir: string) {
  const results: BundleResult[] = [];
  for (const name of names) results.push(await buildBundle(name, { outDir }));
  return results;
}

export const fileOf = (set: readonly BundleResult[], name: string) => byName(set, name).file;

export const byName = <T extends { name: string }>(items: readonly T[], name: string): T => {
  const item = items.find((candidate) => candidate.name === name);
  if (!item) throw new Error(`bench: nothing named ${name}`);
  return item;
};
