import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The workspace root: the nearest ancestor holding `pnpm-workspace.yaml`. */
export function findRepoRoot(from: string = dirname(fileURLToPath(import.meta.url))): string {
  let dir = resolve(from);
  for (;;) {
    if (existsSync(join(dir, 'pnpm-workspace.yaml'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`No pnpm-workspace.yaml above ${from}`);
    dir = parent;
  }
}

/**
 * Where local state lives (keys, persisted data, `run/dev-<port>.json`): the gitignored `<repo>/.toolgate`.
 * `TOOLGATE_LOCAL_DIR` moves it, so that tests of the CLI never touch a developer's own state.
 */
export function localStateDir(env: Record<string, string | undefined> = process.env): string {
  return env.TOOLGATE_LOCAL_DIR ? resolve(env.TOOLGATE_LOCAL_DIR) : join(findRepoRoot(), '.toolgate');
}

export const keysDirIn = (stateDir: string) => join(stateDir, 'keys');
export const dataDirIn = (stateDir: string) => join(stateDir, 'data');
/** One state file per running `pnpm dev`, named by its port: two runtimes on two ports never overwrite each other. */
export const devStateDirIn = (stateDir: string) => join(stateDir, 'run');
export const devStatePathIn = (stateDir: string, port: number) => join(devStateDirIn(stateDir), `dev-${port}.json`);
