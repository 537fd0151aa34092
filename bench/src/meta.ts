import { execFileSync } from 'node:child_process';
import { cpus, release, totalmem } from 'node:os';
import { REPO_ROOT } from './paths';

export interface RunMeta {
  date: string;
  commit: string;
  /** Uncommitted changes were present: the figures describe the working tree, not `commit` alone. */
  dirty: boolean;
  node: string;
  platform: string;
  cpu: string;
  cores: number;
  memoryGiB: number;
}

function git(args: string[]): string | null {
  try {
    return execFileSync('git', args, { cwd: REPO_ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return null;
  }
}

export function runMeta(): RunMeta {
  const cpu = cpus();
  return {
    date: new Date().toISOString(),
    commit: git(['rev-parse', 'HEAD']) ?? 'unknown',
    dirty: (git(['status', '--porcelain', '--untracked-files=no']) ?? '') !== '',
    node: process.version,
    platform: `${process.platform}-${process.arch} (kernel ${release()})`,
    cpu: cpu[0]?.model ?? 'unknown',
    cores: cpu.length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
  };
}
