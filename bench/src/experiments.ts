import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Plugin } from 'esbuild';
import { REPO_ROOT } from './paths';

/**
 * What-ifs: source changes proposed in RESULTS.md, applied at build time by esbuild plugins so that their effect is
 * measured in the same run before anyone edits the sources. Each one counts the files it changed; a what-if that
 * changes nothing (because the sources already have the fix, or moved) is reported as such and not measured.
 */
export interface WhatIf {
  id: string;
  /** The proposed source change, in one sentence. */
  change: string;
  /** Rewrites one of toolgate's source files (absolute path); returns it unchanged when it does not apply. */
  rewrite(source: string, path: string): string;
  /** Repo-relative files it rewrote in the builds so far. */
  rewritten: Set<string>;
}

function rewriting(id: string, change: string, rewrite: (source: string, path: string) => string): WhatIf {
  return { id, change, rewrite, rewritten: new Set() };
}

/** One esbuild plugin applying what-ifs in order to every workspace TypeScript file. */
export function whatIfPlugin(whatIfs: readonly WhatIf[]): Plugin {
  return {
    name: 'what-if',
    setup(build) {
      build.onLoad({ filter: /\/(packages|bench)\/.*\.ts$/ }, async (args) => {
        if (args.path.includes('/node_modules/')) return undefined;
        const original = await readFile(args.path, 'utf8');
        let contents = original;
        for (const whatIf of whatIfs) {
          const next = whatIf.rewrite(contents, args.path);
          if (next !== contents) whatIf.rewritten.add(args.path.slice(REPO_ROOT.length));
          contents = next;
        }
        return contents === original ? undefined : { contents, loader: 'ts' };
      });
    },
  };
}

const NAMED_Z_IMPORT = /import\s*\{\s*z\s*\}\s*from\s*(['"])zod\1/g;

/**
 * `import { z } from 'zod'` binds zod's namespace object as a value, so esbuild keeps every export of zod (its
 * ~40 locales, JSON-schema conversion...) in every bundle; `import * as z` lets it keep only what is used.
 */
export function zodNamespaceImports(): WhatIf {
  return rewriting(
    'zod-namespace',
    "`import * as z from 'zod'` instead of `import { z } from 'zod'` in toolgate's sources",
    (source) => source.replace(NAMED_Z_IMPORT, "import * as z from 'zod'"),
  );
}

const OPENAPI_DOCUMENT = join(REPO_ROOT, 'packages/functions/src/openapi/document.ts');

/**
 * The OpenAPI document generated at build time instead of on the public tier's first `/openapi.json`. Its
 * generator (@hono/zod-openapi) passes zod's whole namespace around, which keeps all of zod in the public tier's
 * initial chunks even though the generator itself is loaded lazily: tree shaking is per build, not per chunk.
 */
export function staticOpenApiDocument(document: unknown): WhatIf {
  return rewriting(
    'static-openapi',
    'the OpenAPI document generated at build time (a JSON asset), so the public tier never bundles its generator',
    (source, path) =>
      path === OPENAPI_DOCUMENT
        ? `const DOCUMENT = ${JSON.stringify(document)};\nexport function buildOpenApiDocument() { return DOCUMENT; }\n`
        : source,
  );
}

const CHILD_PER_REQUEST = /const log = logger\.createChild\(\);\s*log\.setCorrelationId\(requestId\);/;

/**
 * No Powertools child logger per request. `createChild()` builds a new Logger and a new `Console`, and reads
 * `POWERTOOLS_DEV` twice through a helper that throws and catches an Error when it is unset: ~100 µs a request.
 * The what-if keeps one logger per tier and adds the request id to each call instead.
 */
export function sharedRequestLogger(): WhatIf {
  return rewriting(
    'shared-logger',
    'one Powertools logger per tier, the request id passed with each log call, instead of `createChild()` per request',
    (source, path) =>
      !path.endsWith('/packages/functions/src/http/app.ts')
        ? source
        : source.replace(
            CHILD_PER_REQUEST,
            [
              'const ids = { correlation_id: requestId };',
              'const log = {',
              '  debug: (message, ...extra) => logger.debug(message, ids, ...extra),',
              '  info: (message, ...extra) => logger.info(message, ids, ...extra),',
              '  warn: (message, ...extra) => logger.warn(message, ids, ...extra),',
              '  error: (message, ...extra) => logger.error(message, ids, ...extra),',
              '} as unknown as typeof logger;',
            ].join('\n'),
          ),
  );
}

const HONO_ETAG_IMPORT = "import { etag } from 'hono/etag';";

/**
 * The catalog's ETag from the serialized body with `node:crypto`'s synchronous SHA-1, instead of `hono/etag`,
 * which clones the response stream (a tee of web streams) and hashes through WebCrypto's async job queue.
 */
export function syncCatalogEtag(): WhatIf {
  return rewriting(
    'sync-etag',
    "the catalog's weak ETag hashed from the serialized body with `node:crypto` instead of `hono/etag`",
    (source, path) =>
      !path.endsWith('/packages/functions/src/routes/catalog.ts') || !source.includes(HONO_ETAG_IMPORT)
        ? source
        : source.replace(
            HONO_ETAG_IMPORT,
            [
              "import { createHash } from 'node:crypto';",
              'const etag = (_options: { weak: boolean }) => async (c: any, next: () => Promise<void>) => {',
              '  await next();',
              '  if (c.res.status !== 200) return;',
              '  const body = await c.res.text();',
              `  const tag = 'W/"' + createHash('sha1').update(body).digest('base64url') + '"';`,
              '  const headers = new Headers(c.res.headers);',
              "  headers.set('ETag', tag);",
              "  const match = c.req.header('if-none-match')?.split(',').some((t: string) => t.trim() === tag);",
              '  c.res = match ? new Response(null, { status: 304, headers }) : new Response(body, { status: 200, headers });',
              '};',
            ].join('\n'),
          ),
  );
}
