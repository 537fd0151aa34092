/**
 * Measures hot reload (docs/local-development.md): N edits of a core file in a copy of packages/core and
 * packages/functions, each reloaded by a local runtime and then served; prints the reload time (median, p90) and the
 * process's heap and RSS growth per reload after a GC.
 *
 *   node --expose-gc --import tsx scripts/reload-measure.ts [reloads=30]
 */
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findRepoRoot } from '../packages/local/src/paths';
import { startLocalRuntime } from '../packages/local/src/runtime';

const reloads = Number(process.argv[2] ?? 30);
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with node --expose-gc');
const repo = findRepoRoot();
const copy = await mkdtemp(join(tmpdir(), 'toolgate-reload-measure-'));
for (const pkg of ['core', 'functions']) {
  await cp(join(repo, 'packages', pkg), join(copy, 'packages', pkg), {
    recursive: true,
    filter: (path) => !path.includes('node_modules'),
  });
}
const keys = await mkdtemp(join(tmpdir(), 'toolgate-reload-keys-'));
const runtime = await startLocalRuntime({
  port: 0,
  quiet: true,
  keysDir: keys,
  reload: { sourceRoot: copy, outDir: join(copy, 'builds'), watch: false },
});
const reloader = runtime.reloader;
if (!reloader) throw new Error('no reloader');
const file = join(copy, 'packages/core/src/clock.ts');
const original = await readFile(file, 'utf8');
const memory = () => {
  gc();
  const { heapUsed, rss } = process.memoryUsage();
  return { heapUsed, rss };
};
const serve = async () => {
  for (const path of ['/health', '/catalog?limit=2', '/openapi.json'])
    await (await fetch(`${runtime.url}${path}`)).arrayBuffer();
};
await serve();
const before = memory();
const durations: number[] = [];
const builds: number[] = [];
for (let i = 1; i <= reloads; i += 1) {
  await writeFile(file, `${original}\n//! reload ${i} (a legal comment: esbuild keeps it, so every build differs)\n`);
  const event = await reloader.reload();
  if (event.outcome !== 'reloaded') throw new Error(`reload ${i}: ${event.outcome} ${event.error ?? ''}`);
  durations.push(event.durationMs);
  builds.push(event.buildMs);
  await serve();
}
const after = memory();
const sorted = (values: number[]) => [...values].sort((a, b) => a - b);
const at = (values: number[], q: number) => sorted(values)[Math.min(values.length - 1, Math.floor(values.length * q))];
const mib = (bytes: number) => (bytes / 2 ** 20).toFixed(1);
process.stdout.write(
  `${reloads} reloads: reload median ${at(durations, 0.5)} ms, p90 ${at(durations, 0.9)} ms ` +
    `(esbuild median ${at(builds, 0.5)} ms); per reload: heap +${mib((after.heapUsed - before.heapUsed) / reloads)} MiB, ` +
    `rss +${mib((after.rss - before.rss) / reloads)} MiB (heap ${mib(before.heapUsed)} → ${mib(after.heapUsed)} MiB)\n`,
);
await runtime.stop();
await rm(copy, { recursive: true, force: true });
await rm(keys, { recursive: true, force: true });
