import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

/**
 * What a running `pnpm dev` publishes for other local commands (`pnpm token --plan`, scripts): where its
 * emulators listen. Holds no secret.
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
