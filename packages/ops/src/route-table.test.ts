import { readFile } from 'node:fs/promises';
import { manifest } from '@toolgate/core/manifest';
import { describe, expect, it } from 'vitest';
import { ROUTES_END, ROUTES_START, renderRouteTable } from './route-table';

describe('README route table', () => {
  it('matches the manifest (run `pnpm docs:routes` to regenerate)', async () => {
    const readme = await readFile(new URL('../../../README.md', import.meta.url), 'utf8');
    const section = readme.slice(readme.indexOf(ROUTES_START) + ROUTES_START.length, readme.indexOf(ROUTES_END)).trim();
    expect(section).toBe(renderRouteTable(manifest));
  });
});
