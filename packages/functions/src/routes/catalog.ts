import type { CatalogRepository } from '@toolgate/core/catalog/aws/repository';
import { CatalogQuerySchema, ProductIdSchema } from '@toolgate/core/catalog/schema';
import { NotFoundError } from '@toolgate/core/errors';
import { routes } from '@toolgate/core/manifest';
import type { Hono } from 'hono';
import { weakEtag } from '../http/etag';
import type { AppEnv } from '../http/types';
import { parseInput, singleValuedQuery } from '../http/validate';
import { honoPath } from './path';

/** Browsers revalidate after a minute; the CDN may serve for five and keep serving a stale copy while it refreshes. */
export const CATALOG_CACHE_CONTROL = 'public, max-age=60, s-maxage=300, stale-while-revalidate=60';

export function mountCatalog(app: Hono<AppEnv>, catalog: CatalogRepository): void {
  // A weak ETag over the serialized body (node:crypto, synchronous); a matching If-None-Match becomes 304, no body.
  const withEtag = weakEtag();

  app.get(honoPath(routes.catalogList), withEtag, async (c) => {
    const query = parseInput(CatalogQuerySchema, singleValuedQuery(c.req.queries()), 'query');
    const page = await catalog.list(query);
    c.header('Cache-Control', CATALOG_CACHE_CONTROL);
    return c.json(page);
  });

  app.get(honoPath(routes.catalogGet), withEtag, async (c) => {
    const id = parseInput(ProductIdSchema, c.req.param('id'), 'path');
    const product = await catalog.get(id);
    if (!product) throw new NotFoundError(`No product ${id}.`);
    c.header('Cache-Control', CATALOG_CACHE_CONTROL);
    return c.json(product);
  });
}
