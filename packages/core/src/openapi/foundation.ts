import { CatalogPageSchema, CatalogQuerySchema, ProductIdSchema, ProductSchema } from '../catalog/schema';
import type { RouteId } from '../manifest';
import * as z from '../zod';
import { HealthSchema, MeSchema, ProblemSchema } from './schemas';
import type { RouteDoc } from './types';

/** The catalog's conditional GETs (a weak ETag over the body; functions/src/http/etag.ts). */
const conditional = {
  headers: z.object({
    'If-None-Match': z.optional(
      z.string().check(z.describe('The `ETag` of a copy the client holds: a 304 without a body if it is current')),
    ),
  }),
};
const etag = { ETag: 'A weak validator of this representation, for If-None-Match' };
const notModified = { description: 'Not modified: the copy named by If-None-Match is current (no body)' };

export const foundationDocs = {
  health: { tags: ['meta'], responses: { 200: { description: 'The service is up', schema: HealthSchema } } },
  catalogList: {
    tags: ['catalog'],
    description: 'Cacheable (`Cache-Control`, `ETag`); filter with `q` and `category`, page with `cursor`.',
    query: CatalogQuerySchema,
    ...conditional,
    responses: {
      200: { description: 'A page of products', schema: CatalogPageSchema, headers: etag },
      304: notModified,
    },
  },
  catalogGet: {
    tags: ['catalog'],
    params: z.object({ id: ProductIdSchema }),
    ...conditional,
    responses: {
      200: { description: 'The product', schema: ProductSchema, headers: etag },
      304: notModified,
      404: { description: 'No such product', schema: ProblemSchema, contentType: 'application/problem+json' },
    },
  },
  me: { tags: ['account'], responses: { 200: { description: 'The caller', schema: MeSchema } } },
} satisfies Partial<Record<RouteId, RouteDoc>>;
