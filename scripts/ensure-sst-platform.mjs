#!/usr/bin/env node
// Type-checking sst.config.ts and infra/ needs SST's platform types (`$config`, `sst.aws.*`, the Pulumi AWS
// provider), which only exist in .sst/platform after `sst install`. This installs them offline-friendly (npm
// registry only: no Pulumi download, no Bun, no telemetry) and only when missing, so CI on a clean clone and a
// laptop that already has them both just work. `--force` reinstalls.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const platform = join(root, '.sst', 'platform');
const force = process.argv.includes('--force');
// config.d.ts is written last-ish by the install; a half-finished install leaves the folder without it.
const installed = existsSync(join(platform, 'config.d.ts')) && existsSync(join(platform, 'node_modules'));

if (installed && !force) process.exit(0);

console.error(`sst platform types ${force ? 're-installing' : 'missing'}: running \`sst install --stage ci\` (~30 s)`);
const sst = join(root, 'node_modules', '.bin', process.platform === 'win32' ? 'sst.cmd' : 'sst');
const result = spawnSync(sst, ['install', '--stage', 'ci'], {
  cwd: root,
  stdio: 'inherit',
  env: {
    ...process.env,
    // Without these, sst downloads Pulumi and Bun from GitHub and reports telemetry; CI may only reach npm.
    SST_SKIP_DEPENDENCY_CHECK: '1',
    SST_NO_BUN: '1',
    SST_TELEMETRY_DISABLED: '1',
  },
});
if (result.error) {
  console.error(`could not run sst: ${result.error.message} (is \`pnpm install\` done?)`);
  process.exit(1);
}
if (result.status !== 0) process.exit(result.status ?? 1);
