import type { Tier } from '@toolgate/core/concurrency';
import { LAMBDA_NODE_VERSIONS } from '@toolgate/core/deploy/lambda-node';
import type { BuildOptions } from 'esbuild';

/**
 * The one bundle definition: infra deploys with it (`infra/functions.ts` passes `SST_NODEJS` to every
 * `sst.aws.Function`) and the benchmark builds with `esbuildOptions`, so what is measured is what is deployed.
 *
 * Measured choices (see the NOTES this repo was built from): minified ESM, `module` before `main` (ESM builds of
 * the AWS SDK are smaller and import faster than its CJS), and the AWS SDK bundled rather than taken from the
 * Lambda runtime (loading the runtime's CJS SDK from many files was slower).
 */

/**
 * Lambda runtime and architecture of every tier (arm64 is ~20% cheaper per GB-second). nodejs24.x rather than 22:
 * the deploy-time compile cache needs Node 24's portable mode, and only on Node 24 does the exec wrapper give back
 * Node's built-in code cache while keeping the bootstrap's heap limits (packages/core/src/deploy/lambda-node.ts;
 * both measured in bench/RESULTS.md). `RUNTIME_NODE_VERSION` is the exact release the compile cache is built for.
 */
export const RUNTIME = 'nodejs24.x';
export const RUNTIME_NODE_VERSION = LAMBDA_NODE_VERSIONS[24];
export const ARCHITECTURE = 'arm64';

/**
 * The JS level esbuild emits. SST only accepts `esXXXX` targets (it silently ignores `node22`), so both builds use
 * the level SST itself picks for nodejs22.x (a subset of what Node 24 runs).
 */
export const TARGET = 'es2023';
export const MAIN_FIELDS = ['module', 'main'];

/** SST handler strings, relative to the repo root where `sst.config.ts` lives. */
export const SST_HANDLERS: Record<Tier, string> = {
  public: 'packages/functions/src/handlers/public.handler',
  api: 'packages/functions/src/handlers/api.handler',
  webhook: 'packages/functions/src/handlers/webhook.handler',
  worker: 'packages/functions/src/handlers/worker.handler',
  steps: 'packages/functions/src/handlers/steps.handler',
};

/** Entry files per tier, relative to the repo root. */
export const ENTRY_POINTS: Record<Tier, string> = {
  public: 'packages/functions/src/handlers/public.ts',
  api: 'packages/functions/src/handlers/api.ts',
  webhook: 'packages/functions/src/handlers/webhook.ts',
  worker: 'packages/functions/src/handlers/worker.ts',
  steps: 'packages/functions/src/handlers/steps.ts',
};

/**
 * ESM bundles still contain CJS dependencies that call `require`, `__filename` or `__dirname`. This is the
 * banner SST prepends to every ESM function; SST adds it itself, so `SST_NODEJS` must not repeat it (a second
 * `const require` would not even parse).
 */
export const CREATE_REQUIRE_BANNER = [
  `import { createRequire as topLevelCreateRequire } from 'module';`,
  'const require = topLevelCreateRequire(import.meta.url);',
  `import { fileURLToPath as topLevelFileUrlToPath, URL as topLevelURL } from "url"`,
  'const __filename = topLevelFileUrlToPath(import.meta.url)',
  'const __dirname = topLevelFileUrlToPath(new topLevelURL(".", import.meta.url))',
].join('\n');

/**
 * Dynamically imported modules go to their own chunks instead of being inlined, so a cold start parses only what
 * its entry statically imports: the OpenAPI generator, the API reference page, the MCP server and the AWS SDK's
 * rarely used credential providers stay on disk until a request needs them. Measured in bench/RESULTS.md.
 */
export const SPLITTING = true;

export interface SstNodejsOptions {
  format: 'esm';
  minify: boolean;
  splitting: boolean;
  esbuild: { target: string; mainFields: string[]; keepNames: boolean };
}

/**
 * esbuild's `keepNames` (SST's default) wraps every function and class of the bundle in a `__name()` call so that
 * `.name` survives minification. Those calls run at import: about 4 ms of every tier's cold start (`pnpm bench`,
 * RESULTS.md). Nothing here needs them: every error whose name is a contract (problem logs, Step Functions'
 * `errorType`) sets it as a string literal, and `tests/bundle-names.test.ts` checks that on a deployed-style bundle.
 */
export const KEEP_NAMES = false;

/** `nodejs` options for `sst.aws.Function`. */
export const SST_NODEJS: SstNodejsOptions = {
  format: 'esm',
  minify: true,
  splitting: SPLITTING,
  esbuild: { target: TARGET, mainFields: [...MAIN_FIELDS], keepNames: KEEP_NAMES },
};

/**
 * The same bundle as SST builds, for the benchmark: `await esbuild.build(esbuildOptions('api', outdir))` writes
 * `<outdir>/api/api.mjs` (the handler module) and its lazily loaded chunks under `<outdir>/api/chunks/`.
 */
export function esbuildOptions(tier: Tier, outdir: string, repoRoot = '.'): BuildOptions {
  return bundleOptions(`${repoRoot}/${ENTRY_POINTS[tier]}`, `${outdir}/${tier}`);
}

/**
 * The deployed bundle options for any entry file, written to `outdir` as `<entry name>.mjs` plus chunks. The
 * benchmark builds its baselines (bare Hono, Express peer) with these too, so that a tier and its baseline differ
 * only in their code, never in how they were bundled.
 */
export function bundleOptions(entryPoint: string, outdir: string): BuildOptions {
  return {
    entryPoints: [entryPoint],
    outdir,
    entryNames: '[name]',
    chunkNames: 'chunks/[name]-[hash]',
    // `.mjs`: Node must read every chunk as ESM whatever package.json sits above it in the function package.
    outExtension: { '.js': '.mjs' },
    bundle: true,
    splitting: SPLITTING,
    platform: 'node',
    format: 'esm',
    target: TARGET,
    mainFields: [...MAIN_FIELDS],
    minify: true,
    keepNames: KEEP_NAMES,
    banner: { js: CREATE_REQUIRE_BANNER },
    // What SST force-externalises (native modules); none of toolgate's dependencies needs them.
    external: ['sharp', 'pg-native'],
    metafile: true,
    logLevel: 'warning',
  };
}
