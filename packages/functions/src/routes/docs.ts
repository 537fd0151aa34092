import { routes } from '@toolgate/core/manifest';
import type { Context, Hono } from 'hono';
import type { AppEnv } from '../http/types';
import { honoPath } from './path';

/** The document changes only with a deploy; the CDN may keep it a while. */
export const DOCS_CACHE_CONTROL = 'public, max-age=300, s-maxage=3600';

/**
 * `GET /openapi.json` and `GET /docs`. Both load their code on first use (dynamic import), so the public tier's
 * cold start — paid by every catalog request — does not include the OpenAPI generator or the reference renderer.
 */
export function mountDocs(app: Hono<AppEnv>): void {
  let document: Promise<unknown> | undefined;

  app.get(honoPath(routes.openapi), async (c) => {
    document ??= import('../openapi/document').then(({ buildOpenApiDocument }) => buildOpenApiDocument());
    const built = await document.catch((error: unknown) => {
      document = undefined; // do not cache a failure
      throw error;
    });
    c.header('Cache-Control', DOCS_CACHE_CONTROL);
    return c.json(built as object);
  });

  app.get(honoPath(routes.docs), async (c, next) => {
    const { Scalar } = await import('@scalar/hono-api-reference');
    c.header('Cache-Control', DOCS_CACHE_CONTROL);
    // Scalar's handler is typed for a bare Hono env; it only renders HTML and reads nothing of ours.
    return Scalar({ url: routes.openapi.path, pageTitle: 'toolgate API reference' })(c as unknown as Context, next);
  });
}
