import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findRepoRoot } from '../paths';
import { createHandlerBundler, type HandlerBuild, type HandlerBundler } from './bundle';

const repo = findRepoRoot();
let bundler: HandlerBundler;
let build: HandlerBuild;
beforeAll(async () => {
  bundler = await createHandlerBundler({ sourceRoot: repo, repoRoot: repo, outdir: '/tmp/toolgate-reload-test/b' });
  build = await bundler.build();
}, 30_000);
afterAll(async () => {
  await bundler.dispose();
});

const text = (path: string) => new TextDecoder().decode(build.files.find((file) => file.path === path)?.contents);
const code = () => build.files.filter((file) => file.path.endsWith('.mjs')).map((file) => text(file.path));
/** Every module specifier the build leaves for Node to resolve (static and dynamic imports). */
const specifiers = () =>
  code().flatMap((source) =>
    [...source.matchAll(/(?:\bfrom\s*|\bimport\s*\(?\s*)"([^"]+)"/g)].map((match) => match[1] as string),
  );

describe('the hot-reload bundle', () => {
  it('builds every tier entry', () => {
    expect(build.errors).toEqual([]);
    for (const tier of ['public', 'api', 'webhook', 'worker', 'steps'])
      expect(text(`${tier}.mjs`)).toContain('handler');
  });

  it('leaves every third-party package to Node, as the file it already loaded (one instance of hono, zod, the SDK)', () => {
    const external = specifiers().filter((specifier) => !specifier.startsWith('.') && !specifier.startsWith('node:'));
    expect(external.length).toBeGreaterThan(10);
    for (const specifier of external) {
      expect(specifier, specifier).toMatch(/^\/.*\/node_modules\//);
      expect(existsSync(specifier), specifier).toBe(true);
    }
    expect(external.some((specifier) => specifier.includes('/hono/'))).toBe(true);
    expect(external.some((specifier) => specifier.includes('/@aws-sdk/client-dynamodb/'))).toBe(true);
    // Only toolgate's code is bundled: a reload re-parses a small fraction of what a deployed bundle holds.
    const bytes = build.files.filter((f) => f.path.endsWith('.mjs')).reduce((sum, f) => sum + f.contents.length, 0);
    expect(bytes).toBeLessThan(3_000_000);
  });

  it('reads text imports from the package at run time instead of copying them into every build', () => {
    const reference = code().filter((source) => source.includes('swagger-ui-bundle.js'));
    expect(reference.length).toBeGreaterThan(0);
    expect(reference.join('\n')).toContain('readFileSync(');
    // swagger-ui-bundle.js alone is ~1.5 MB of text.
    for (const file of build.files) expect(file.contents.length, file.path).toBeLessThan(1_000_000);
  });
});
