import { NotFoundError } from '@toolgate/core/errors';
import { routes } from '@toolgate/core/manifest';
import { isReferenceAsset } from '@toolgate/core/openapi/reference-assets';
import type { Hono } from 'hono';
import type { AppEnv } from '../http/types';
import { honoPath } from './path';

/** The document changes only with a deploy; a shared cache may keep it a while. */
export const DOCS_CACHE_CONTROL = 'public, max-age=300, s-maxage=3600';
/** Asset URLs carry the Swagger UI version, so a cached copy is never stale. */
export const ASSET_CACHE_CONTROL = 'public, max-age=31536000, immutable';

const PAGE_TITLE = 'toolgate API reference';

/**
 * `GET /openapi.json`, `GET|HEAD /docs` and `GET /docs/assets/{asset}`. All load their code on first use (dynamic
 * import), so the public tier's cold start — paid by every catalog request — parses neither the document nor the
 * reference UI.
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

  const pageHeaders = async () => {
    const { REFERENCE_CSP } = await import('../docs/reference-ui');
    return {
      'Content-Type': 'text/html; charset=utf-8',
      'Cache-Control': DOCS_CACHE_CONTROL,
      'Content-Security-Policy': REFERENCE_CSP,
      'X-Content-Type-Options': 'nosniff',
    };
  };

  app.get(honoPath(routes.docs), async (c) => {
    const { referencePage } = await import('../docs/reference-ui');
    return c.body(referencePage(PAGE_TITLE), 200, await pageHeaders());
  });

  app.on('HEAD', honoPath(routes.docsHead), async (c) => c.body(null, 200, await pageHeaders()));

  app.get(honoPath(routes.docsAsset), async (c) => {
    const name = c.req.param('asset') ?? '';
    if (!isReferenceAsset(name)) throw new NotFoundError('No such asset of the API reference page.');
    const { referenceAsset } = await import('../docs/reference-ui');
    const asset = await referenceAsset(name);
    const headers = {
      'Content-Type': asset.contentType,
      'Cache-Control': ASSET_CACHE_CONTROL,
      'X-Content-Type-Options': 'nosniff',
      Vary: 'Accept-Encoding',
    };
    if (/\bgzip\b/.test(c.req.header('accept-encoding') ?? '')) {
      return c.body(asset.gzip, 200, { ...headers, 'Content-Encoding': 'gzip' });
    }
    return c.body(asset.identity, 200, headers);
  });
}
