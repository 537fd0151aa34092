import { spawn } from 'node:child_process';
import { join } from 'node:path';
import type { AuthStats, FloodStats } from '@toolgate/local/demo/flood';
import { REPO_ROOT } from './paths';

/** One scenario of `pnpm demo:flood` as its `--json` prints it (per-request samples left out). */
export interface FloodScenario {
  baseline: Omit<AuthStats, 'samples'>;
  flooded: Omit<AuthStats, 'samples'>;
  flood: FloodStats;
}

export interface FloodResult {
  plan: { connections: number; floodRatePerSecond: number; phaseMs: number; authPath: string; authIntervalMs: number };
  publicExecutionMs: number;
  sharedPool: number;
  /** (a) reserved concurrency per tier, as deployed; (b) one shared pool. */
  isolated: FloodScenario;
  shared: FloodScenario;
  problems: string[];
  starved: boolean;
}

/**
 * The flood-isolation experiment (`pnpm demo:flood`, packages/local/src/demo/flood.ts) in its own process, as its CLI
 * runs it: a flood of public catalog requests while one client calls `GET /me`, first with reserved concurrency per
 * tier, then with one shared pool. Its exit code says whether isolation held; the bench reports both either way.
 */
export function runFlood(seconds: number, env: Record<string, string>): Promise<FloodResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        join(REPO_ROOT, 'packages/local/src/demo/flood-cli.ts'),
        '--json',
        '--seconds',
        String(seconds),
      ],
      { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      if (stderr.length < 16 * 1024) stderr += chunk;
    });
    child.on('error', reject);
    child.on('close', (code) => {
      const start = stdout.indexOf('{');
      if (start < 0) return reject(new Error(`demo:flood printed no result (exit ${code}): ${stderr.slice(-2000)}`));
      try {
        resolve(JSON.parse(stdout.slice(start)) as FloodResult);
      } catch (error) {
        reject(new Error(`demo:flood result unreadable (exit ${code}): ${(error as Error).message}`));
      }
    });
  });
}
