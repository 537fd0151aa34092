import { type ChildProcess, spawn } from 'node:child_process';
import { RESULT_MARK } from './children/protocol';

/** Every child still running, so that an interrupted bench leaves nothing behind. */
const running = new Set<ChildProcess>();

export function killAll(): void {
  for (const child of running) child.kill('SIGKILL');
  running.clear();
}

export interface ChildRun {
  stdout: string;
  stderr: string;
  code: number | null;
  /** Parent-side wall time from spawn to exit, ms. */
  wallMs: number;
}

export interface ChildOptions {
  nodeArgs?: string[];
  args?: string[];
  env: Record<string, string>;
  timeoutMs: number;
  /** Keep at most this much of stdout (a warm run's logs can be megabytes; the result line comes last). */
  maxStdout?: number;
}

export function runNode(script: string, options: ChildOptions): Promise<ChildRun> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, [...(options.nodeArgs ?? []), script, ...(options.args ?? [])], {
      env: options.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    running.add(child);
    const limit = options.maxStdout ?? 16 * 1024 * 1024;
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      if (stdout.length > limit) stdout = stdout.slice(-limit);
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      if (stderr.length < 64 * 1024) stderr += chunk;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      running.delete(child);
      reject(error);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      running.delete(child);
      resolve({ stdout, stderr, code, wallMs: performance.now() - started });
    });
  });
}

/** The child's marked result line, parsed; throws with the child's stderr when there is none. */
export function resultOf<T>(run: ChildRun, what: string): T {
  const at = run.stdout.lastIndexOf(RESULT_MARK);
  if (run.code !== 0 || at < 0) {
    throw new Error(`${what}: child exited with ${run.code} and no result\n${run.stderr.slice(-4000)}`);
  }
  const line = run.stdout.slice(at + RESULT_MARK.length).split('\n', 1)[0] ?? '';
  return JSON.parse(line) as T;
}

/**
 * The environment a bundle runs with: the local runtime's variables and nothing of the shell's (no credentials,
 * no profile, no NODE_OPTIONS loader such as tsx's).
 */
export function childEnvironment(variables: Record<string, string>): Record<string, string> {
  const keep = ['PATH', 'HOME', 'TMPDIR', 'LANG', 'TZ'];
  const env: Record<string, string> = {};
  for (const name of keep) {
    const value = process.env[name];
    if (value !== undefined) env[name] = value;
  }
  return { ...env, ...variables };
}
