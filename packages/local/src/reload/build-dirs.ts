import { randomBytes } from 'node:crypto';
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { isProcessAlive } from '../dev-state';

const BUILD_DIR = /^handlers-(\d+)-[0-9a-f]+$/;

/**
 * A folder of its own for one runtime's hot-reload builds, `<runDir>/handlers-<pid>-<random>` (the runtime removes it
 * when it stops). Folders left by a runtime that was killed, whose process is gone, are removed first.
 */
export function freshBuildDir(runDir: string): string {
  let names: string[] = [];
  try {
    names = readdirSync(runDir);
  } catch {
    // No run folder yet: nothing left over.
  }
  for (const name of names) {
    const pid = BUILD_DIR.exec(name)?.[1];
    if (pid && !isProcessAlive(Number(pid))) rmSync(join(runDir, name), { recursive: true, force: true });
  }
  return join(runDir, `handlers-${process.pid}-${randomBytes(4).toString('hex')}`);
}
