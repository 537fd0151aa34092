import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { devStateDirIn } from './paths';

/**
 * What a running `pnpm dev` publishes for other local commands (`pnpm token --plan`, `pnpm stripe:send`, scripts):
 * where its API and emulators listen. Holds no secret.
 */
export interface DevState {
  pid: number;
  url: string;
  startedAt: string;
  region: string;
  tableName: string;
  bucketName: string;
  queueUrls: { jobs: string; jobsDlq: string };
  endpoints: { dynamodb: string; s3: string; sqs: string; jwks: string };
}

export async function writeDevState(path: string, state: DevState): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
}

export async function readDevState(path: string): Promise<DevState | null> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as DevState;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

/** Removes the file only if it still describes `pid`: a newer `pnpm dev` may have replaced it. */
export async function removeDevState(path: string, pid: number): Promise<void> {
  const state = await readDevState(path).catch(() => null);
  if (state?.pid === pid) await rm(path, { force: true });
}

export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: alive but someone else's.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The state of a dev runtime that is really running, or null. */
export async function runningDevState(path: string): Promise<DevState | null> {
  const state = await readDevState(path);
  return state && Number.isInteger(state.pid) && isProcessAlive(state.pid) ? state : null;
}

export class NoDevRuntimeError extends Error {}

/** Every `pnpm dev` of this state folder that is really running, by port. */
export async function runningDevStates(stateDir: string): Promise<DevState[]> {
  const dir = devStateDirIn(stateDir);
  const names = await readdir(dir).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return [] as string[];
    throw error;
  });
  const states = await Promise.all(
    names.filter((name) => /^dev-\d+\.json$/.test(name)).map((name) => runningDevState(join(dir, name))),
  );
  return states.filter((state): state is DevState => state !== null).sort((a, b) => a.url.localeCompare(b.url));
}

/**
 * The running local runtime a CLI talks to: the one on `port` when given, else the only one running. Several
 * running and no port, or none at all, is an error that says what to do, never a guess.
 */
export async function findDevRuntime(stateDir: string, port?: number): Promise<DevState> {
  const running = await runningDevStates(stateDir);
  if (port !== undefined) {
    const match = running.find((state) => new URL(state.url).port === String(port));
    if (match) return match;
    throw new NoDevRuntimeError(
      `no pnpm dev is running on port ${port}` +
        (running.length ? ` (running: ${running.map((state) => state.url).join(', ')})` : ': start it first'),
    );
  }
  const [only, ...others] = running;
  if (!only) throw new NoDevRuntimeError('no pnpm dev is running: start it first (pnpm dev)');
  if (others.length > 0) {
    throw new NoDevRuntimeError(
      `several pnpm dev are running (${running.map((state) => state.url).join(', ')}): pass --port N to pick one`,
    );
  }
  return only;
}
