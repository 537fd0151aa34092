import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { DOCUMENT_REJECTED, INVALID_STEP_INPUT } from '@toolgate/core/workflows/errors';
import { TRANSIENT_ERROR } from '@toolgate/core/workflows/ingestion';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleOptions, SST_NODEJS } from '../packages/functions/build';

/**
 * The deployed bundles are minified without esbuild's `keepNames`, so a class's own name is mangled there. Error
 * names are read by people (problem logs) and by Step Functions (`errorType`, matched by the state machine's
 * Retry and Catch), so each must be a string literal that survives minification. This builds the error modules the
 * way the tiers are built and checks the names in the bundle, where a name taken from the class would break.
 */
const ERROR_MODULES = ['packages/core/src/errors.ts', 'packages/core/src/workflows/errors.ts'];

/** Constructor arguments for the errors whose first parameter is not a message. */
const ARGUMENTS: Record<string, unknown[]> = {
  ValidationError: [[{ field: 'body.x', message: 'required' }]],
  MethodNotAllowedError: [['POST']],
  RateLimitedError: ['Too many requests.', 1],
  ServiceUnavailableError: [],
  GatewayTimeoutError: [],
  InternalError: [],
  InvalidSignatureError: [],
  UnauthorizedError: [],
  ForbiddenError: [],
  NotFoundError: [],
};

/** The workflow errors are named for the state machine's Retry and Catch (`workflows/errors.ts`). */
const WORKFLOW_ERROR_NAMES: Record<string, string> = {
  TransientError: TRANSIENT_ERROR,
  DocumentRejectedError: DOCUMENT_REJECTED,
  InvalidStepInputError: INVALID_STEP_INPUT,
};

let dir: string;
let bundled: Record<string, unknown>;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'toolgate-names-'));
  const entry = join(dir, 'errors-entry.ts');
  const root = resolve(import.meta.dirname, '..');
  await writeFile(entry, ERROR_MODULES.map((path) => `export * from ${JSON.stringify(join(root, path))};`).join('\n'));
  await build({ ...bundleOptions(entry, join(dir, 'out')), logLevel: 'silent' });
  bundled = (await import(pathToFileURL(join(dir, 'out', 'errors-entry.mjs')).href)) as Record<string, unknown>;
}, 30_000);

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('error names in the deployed bundle', () => {
  it('is built without keepNames, as SST deploys it', () => {
    expect(SST_NODEJS.esbuild.keepNames).toBe(false);
    expect(bundleOptions('x.ts', 'out').keepNames).toBe(false);
  });

  it('keeps every exported error class name though the classes themselves are minified', () => {
    const errors = Object.entries(bundled).filter(
      (entry): entry is [string, new (...args: unknown[]) => Error] =>
        typeof entry[1] === 'function' && (entry[1] as { prototype?: unknown }).prototype instanceof Error,
    );
    expect(errors.map(([name]) => name)).toEqual(
      expect.arrayContaining(['ValidationError', 'NotFoundError', 'TransientError', 'DocumentRejectedError']),
    );
    const abstract = new Set(['ToolgateError']);
    for (const [exported, ErrorClass] of errors) {
      if (abstract.has(exported)) continue;
      const error = new ErrorClass(...(ARGUMENTS[exported] ?? ['message']));
      expect(error.name, exported).toBe(WORKFLOW_ERROR_NAMES[exported] ?? exported);
    }
  });
});
