#!/usr/bin/env node
// Runs the whole suite with the wall clock shifted by libfaketime (Debian's `faketime`), once far ahead and once
// behind. A test that mixes a time it chose with the wall clock (a date bomb) fails here the day it is written,
// not weeks later on main. Every process of the run (vitest, its workers, the emulators) sees the same shift.
import { spawnSync } from 'node:child_process';

const SHIFTS = process.argv.slice(2).length > 0 ? process.argv.slice(2) : ['+400 days', '-30 days'];

if (spawnSync('faketime', ['-f', '+0d', 'true']).error) {
  console.error("test:shifted needs libfaketime's `faketime` command: apt-get install faketime");
  process.exit(2);
}

for (const shift of SHIFTS) {
  const started = Date.now();
  console.log(`\n=== pnpm test with the clock shifted ${shift} ===`);
  const run = spawnSync('faketime', [shift, 'pnpm', 'test'], { stdio: 'inherit' });
  const seconds = Math.round((Date.now() - started) / 1000);
  if (run.status !== 0) {
    console.error(`\n=== FAILED with the clock shifted ${shift} (${seconds} s) ===`);
    process.exit(run.status ?? 1);
  }
  console.log(`=== passed with the clock shifted ${shift} (${seconds} s) ===`);
}
