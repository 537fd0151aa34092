import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * core's public surface is the explicit `exports` of its package.json: every module another package imports is
 * listed by name, and the test fakes sit behind `./testing/*`, which only tests and test support may import (a
 * deployed bundle never carries a fake). TypeScript and Vite refuse an unlisted subpath too; this test says why.
 */
const core = join(import.meta.dirname, '..');
const root = join(core, '../..');
const { exports } = JSON.parse(readFileSync(join(core, 'package.json'), 'utf8')) as { exports: Record<string, string> };
const TESTING = './testing/*';

const isTestSupport = (file: string) =>
  /\.test\.ts$/.test(file) || /(^|\/)testing\//.test(file) || /^(tests|bench)\//.test(file);

/** Every `@toolgate/core/<subpath>` imported outside core's own sources, with the importing file. */
function coreImports(): { file: string; subpath: string }[] {
  const files = execFileSync(
    'git',
    ['ls-files', '--cached', '--others', '--exclude-standard', '*.ts', '*.mts', '*.mjs'],
    {
      cwd: root,
      encoding: 'utf8',
    },
  )
    .split('\n')
    .filter((file) => file && !file.startsWith('packages/core/') && existsSync(join(root, file)));
  return files.flatMap((file) =>
    [...readFileSync(join(root, file), 'utf8').matchAll(/['"]@toolgate\/core\/([^'"\s]+)['"]/g)].map((m) => ({
      file,
      subpath: `./${m[1]}`,
    })),
  );
}

describe('core public surface (package.json exports)', () => {
  const imports = coreImports();

  it('lists every entry explicitly, each pointing at a real module', () => {
    for (const [subpath, target] of Object.entries(exports)) {
      if (subpath === TESTING) continue;
      expect(subpath, 'no wildcard but ./testing/*').not.toContain('*');
      expect(existsSync(join(core, target)), `${subpath} → ${target}`).toBe(true);
    }
  });

  it('exports every subpath other packages import (add new ones to packages/core/package.json)', () => {
    const missing = imports.filter(({ subpath }) => !subpath.startsWith('./testing/') && !(subpath in exports));
    expect(missing).toEqual([]);
  });

  it('keeps test fakes out of non-test code: ./testing/* is imported by tests and test support only', () => {
    expect(imports.some(({ subpath }) => subpath.startsWith('./testing/'))).toBe(true);
    const leaks = imports.filter(({ file, subpath }) => subpath.startsWith('./testing/') && !isTestSupport(file));
    expect(leaks).toEqual([]);
  });
});
