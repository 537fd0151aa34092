import { execFileSync } from 'node:child_process';
import { cpus, loadavg, release, totalmem } from 'node:os';
import { REPO_ROOT } from './paths';

export interface RunMeta {
  date: string;
  commit: string;
  /** Uncommitted changes were present: the figures describe the working tree, not `commit` alone. */
  dirty: boolean;
  /** The Node version the measured processes ran on. */
  node: string;
  platform: string;
  cpu: string;
  cores: number;
  memoryGiB: number;
  /** 1-minute load average when the run started: above ~1 on 2 cores, something else was busy (noisier figures). */
  loadAverage: number;
}

function git(args: string[]): string | null {
  try {
    return execFileSync('git', args, { cwd: REPO_ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return null;
  }
}

export function runMeta(childNode?: string): RunMeta {
  const cpu = cpus();
  const node = childNode ? execFileSync(childNode, ['--version'], { encoding: 'utf8' }).trim() : process.version;
  return {
    date: new Date().toISOString(),
    commit: git(['rev-parse', 'HEAD']) ?? 'unknown',
    dirty: (git(['status', '--porcelain', '--untracked-files=no']) ?? '') !== '',
    node,
    platform: `${process.platform}-${process.arch} (kernel ${release()})`,
    cpu: cpu[0]?.model ?? 'unknown',
    cores: cpu.length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    loadAverage: Math.round((loadavg()[0] ?? 0) * 100) / 100,
  };
}
