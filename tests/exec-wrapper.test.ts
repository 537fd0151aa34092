import { execFileSync } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TIERS } from '@toolgate/core/concurrency';
import {
  coldStartEnvironment,
  EXEC_WRAPPER_DROPS,
  execWrapperScript,
  functionNodeArgs,
  LAMBDA_NODE_VERSIONS,
  lambdaBootstrapArgs,
} from '@toolgate/core/deploy/lambda-node';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { esbuildOptions } from '../packages/functions/build';
import { buildCompileCache } from '../packages/ops/src/compile-cache';
import { ensureNode } from '../packages/ops/src/node-binaries';

/**
 * The cold-start levers (packages/core/src/deploy/lambda-node.ts): the exec wrapper runs exactly Lambda's command
 * line minus `--expose-gc`, nothing deployed calls `gc()` (what dropping the flag would break), and a compile cache is
 * built for the Node and flags it is asked for.
 */
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'toolgate-levers-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('the exec wrapper', () => {
  it('execs the command without --expose-gc, every other argument unchanged and in order', async () => {
    const wrapper = join(dir, 'wrapper.sh');
    await writeFile(wrapper, execWrapperScript(), { mode: 0o755 });
    const bootstrap = lambdaBootstrapArgs(1024);
    const printArgs = 'process.stdout.write(JSON.stringify([process.execArgv, process.argv.slice(1), typeof gc]))';
    const out = execFileSync(
      'sh',
      [wrapper, process.execPath, ...bootstrap, '-e', printArgs, 'a b', "c'd", '--expose-gc=no'],
      { encoding: 'utf8' },
    );
    const [execArgv, argv, gc] = JSON.parse(out) as [string[], string[], string];
    expect(execArgv).toEqual([...functionNodeArgs(1024, { execWrapper: true }), '-e', printArgs]);
    expect(execArgv).not.toContain('--expose-gc');
    expect(argv).toEqual(['a b', "c'd", '--expose-gc=no']);
    expect(gc).toBe('undefined');
    expect(functionNodeArgs(1024, { execWrapper: false })).toEqual(bootstrap);
  });

  it('is named in the environment only when the stage turns it on, as the compile cache is', () => {
    expect(coldStartEnvironment({ compileCache: false, execWrapper: false })).toEqual({});
    expect(coldStartEnvironment({ compileCache: true, execWrapper: true })).toEqual({
      AWS_LAMBDA_EXEC_WRAPPER: '/var/task/toolgate-node-wrapper.sh',
      NODE_COMPILE_CACHE: '/var/task/.node-compile-cache',
      NODE_COMPILE_CACHE_PORTABLE: '1',
    });
  });

  it('drops nothing any tier needs: no deployed bundle calls gc()', async () => {
    expect(EXEC_WRAPPER_DROPS).toEqual(['--expose-gc']);
    const offenders: string[] = [];
    for (const tier of TIERS) {
      const outdir = join(dir, 'bundles');
      // Unminified, and only the global's forms: minified (or pre-minified library) code has local functions named gc.
      await build({ ...esbuildOptions(tier, outdir, process.cwd()), minify: false, logLevel: 'silent' });
      for (const file of await readdir(join(outdir, tier), { recursive: true })) {
        if (!file.endsWith('.mjs')) continue;
        const code = await readFile(join(outdir, tier, file), 'utf8');
        if (/\b(?:global|globalThis)\.gc\b|\btypeof gc\b/.test(code)) offenders.push(`${tier}/${file}`);
      }
    }
    expect(offenders).toEqual([]);
  }, 120_000);
});

describe('the compile cache', () => {
  it('is built by the given Node, keyed by its release, arch and flags, for every module of the package', async () => {
    const pkg = join(dir, 'pkg');
    await rm(pkg, { recursive: true, force: true });
    await build({
      stdin: { contents: 'export const handler = async () => (await import("./lazy.mjs")).value;', loader: 'js' },
      outfile: join(pkg, 'index.mjs'),
      format: 'esm',
      logLevel: 'silent',
    });
    await writeFile(join(pkg, 'lazy.mjs'), 'export const value = 42;\n');
    // The deployed runtime's Node (this machine's may predate the compile cache), from the bench's binary cache.
    const version = LAMBDA_NODE_VERSIONS[24];
    const node = await ensureNode(version, join(process.cwd(), 'bench/.cache'));
    if ('error' in node) throw new Error(node.error);
    const built = await buildCompileCache(pkg, 'index.mjs', {
      binary: node.binary,
      version,
      arch: process.arch,
      nodeArgs: ['--max-old-space-size=922'],
    });
    expect(built.key).toMatch(new RegExp(`^v${version.replaceAll('.', '\\.')}-${process.arch}-[0-9a-f]{8}-`));
    // The two modules, and the generator's own eval script (its CommonJS wrapper and code).
    expect(built.entries).toBeGreaterThanOrEqual(2);
    await expect(
      buildCompileCache(pkg, 'index.mjs', {
        binary: node.binary,
        version: '1.2.3',
        arch: process.arch,
        nodeArgs: [],
      }),
    ).rejects.toThrow(/expected Node v1\.2\.3-/);
  }, 60_000);
});
