import { routes } from '@toolgate/core/manifest';
import type { Context, Hono } from 'hono';
import type { AppEnv } from '../http/types';
import { honoPath } from './path';

/** The document changes only with a deploy; the CDN may keep it a while. */
export const DOCS_CACHE_CONTROL = 'public, max-age=300, s-maxage=3600';

/**
 * `GET /openapi.json` and `GET /docs`. Both load their code on first use (dynamic import), so the public tier's
 * cold start — paid by every catalog request — parses neither the document nor the reference renderer.
 *
 * The document is generated at build time (`pnpm docs:openapi` writes `openapi/openapi.json` with the generator in
 * `openapi/document.ts`; a test fails when it is stale). Nothing here imports the generator, not even lazily: it
 * would keep every route's schemas and zod's JSON Schema converter in the tier's initial chunks (tree shaking is per
 * build, not per chunk), and converting them in a cold start would cost more than reading the file.
 */
export function mountDocs(app: Hono<AppEnv>): void {
  let body: Promise<string> | undefined;

  app.get(honoPath(routes.openapi), async (c) => {
    // Serialized once per instance: the same bytes as `JSON.stringify(buildOpenApiDocument())`.
    body ??= import('../openapi/openapi.json', { with: { type: 'json' } }).then((json) => JSON.stringify(json.default));
    const serialized = await body.catch((error: unknown) => {
      body = undefined; // do not cache a failure
      throw error;
    });
    c.header('Cache-Control', DOCS_CACHE_CONTROL);
    return c.body(serialized, 200, { 'Content-Type': 'application/json' });
  });

  app.get(honoPath(routes.docs), async (c, next) => {
    const { Scalar } = await import('@scalar/hono-api-reference');
    c.header('Cache-Control', DOCS_CACHE_CONTROL);
    // Scalar's handler is typed for a bare Hono env; it only renders HTML and reads nothing of ours.
    return Scalar({ url: routes.openapi.path, pageTitle: 'toolgate API reference' })(c as unknown as Context, next);
  });
}
