import { type ChildProcess, spawn } from 'node:child_process';
import type { Readable } from 'node:stream';

/** The Node binary the children run on (`--node`: e.g. a Node 22 build, to match the Lambda runtime). */
let nodeBinary = process.execPath;

export function useNodeBinary(path: string): void {
  nodeBinary = path;
}

/** Every child still running, so that an interrupted bench leaves nothing behind. */
const running = new Set<ChildProcess>();

export function killAll(): void {
  for (const child of running) child.kill('SIGKILL');
  running.clear();
}

export interface ChildRun {
  /** What the child wrote to file descriptor 3 (its result) or, for tools such as autocannon, to stdout. */
  stdout: string;
  stderr: string;
  code: number | null;
  /** Parent-side wall time from spawn to exit, ms. */
  wallMs: number;
}

export interface ChildOptions {
  /** The Node binary for this child (default: the one `useNodeBinary` chose). */
  node?: string;
  nodeArgs?: string[];
  args?: string[];
  env: Record<string, string>;
  timeoutMs: number;
  /** `result-fd`: the child reports on fd 3 and its stdout is discarded; `stdout`: read stdout. */
  output: 'result-fd' | 'stdout';
}

export function runNode(script: string, options: ChildOptions): Promise<ChildRun> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const resultFd = options.output === 'result-fd';
    const child = spawn(options.node ?? nodeBinary, [...(options.nodeArgs ?? []), script, ...(options.args ?? [])], {
      env: options.env,
      stdio: resultFd ? ['ignore', 'ignore', 'pipe', 'pipe'] : ['ignore', 'pipe', 'pipe'],
    });
    running.add(child);
    let stdout = '';
    let stderr = '';
    const results = (resultFd ? child.stdio[3] : child.stdout) as Readable | null;
    results?.setEncoding('utf8');
    results?.on('data', (chunk: string) => {
      stdout += chunk;
    });
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
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

/** The child's result, parsed; throws with the child's stderr when there is none. */
export function resultOf<T>(run: ChildRun, what: string): T {
  if (run.code !== 0 || run.stdout === '') {
    throw new Error(`${what}: child exited with ${run.code} and no result\n${run.stderr.slice(-4000)}`);
  }
  return JSON.parse(run.stdout) as T;
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
