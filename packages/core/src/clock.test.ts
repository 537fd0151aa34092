import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
/** Deployed code (core, functions), deploy tooling (ops) and the local runtime, which stands in for AWS. */
const SCANNED = ['packages/core/src', 'packages/functions/src', 'packages/ops/src', 'packages/local/src'];
/** The one reader of the wall clock. */
const ALLOWED = new Set(['packages/core/src/clock.ts']);

/** `Date.now`, `new Date()` and `Date()` read the wall clock; `new Date(ms)` and `performance.now()` do not. */
const WALL_CLOCK = /\bDate\.now\b|new Date\(\s*\)|(?<![.\w])Date\(\s*\)/;

function sources(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sources(path);
    return /\.(ts|mts|mjs)$/.test(entry.name) && !/\.test\.ts$/.test(entry.name) ? [path] : [];
  });
}

function wallClockReads(text: string): string[] {
  return text
    .split('\n')
    .map((line, index) => ({ line: line.replace(/\/\/.*$|^\s*\*.*$/, ''), number: index + 1 }))
    .filter(({ line }) => WALL_CLOCK.test(line))
    .map(({ number }) => String(number));
}

describe('one clock', () => {
  it('the pattern catches every way of reading the wall clock, and nothing else', () => {
    for (const read of ['Date.now()', 'const now = Date.now;', 'new Date()', 'new Date( )', 'String(Date())']) {
      expect(wallClockReads(read), read).toHaveLength(1);
    }
    for (const other of ['new Date(ms)', 'new Date(clock())', 'performance.now()', 'x.toDate()', '// Date.now()']) {
      expect(wallClockReads(other), other).toHaveLength(0);
    }
  });

  it('only clock.ts reads the wall clock in core, functions, ops and local: everything else takes a Clock', () => {
    const offenders = SCANNED.flatMap(sources)
      .filter((path) => !ALLOWED.has(path))
      .flatMap((path) => wallClockReads(readFileSync(join(ROOT, path), 'utf8')).map((line) => `${path}:${line}`));
    expect(offenders).toEqual([]);
  });

  it('scans the files it claims to', () => {
    const scanned = SCANNED.flatMap(sources).map((path) => relative(ROOT, join(ROOT, path)));
    expect(scanned).toContain('packages/core/src/clock.ts');
    expect(scanned).toContain('packages/functions/src/routes/chat.ts');
    expect(scanned.length).toBeGreaterThan(100);
  });
});
