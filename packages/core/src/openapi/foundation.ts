import { CatalogPageSchema, CatalogQuerySchema, ProductIdSchema, ProductSchema } from '../catalog/schema';
import type { RouteId } from '../manifest';
import * as z from '../zod';
import { HealthSchema, MeSchema, ProblemSchema } from './schemas';
import type { RouteDoc } from './types';

export const foundationDocs = {
  health: { tags: ['meta'], responses: { 200: { description: 'The service is up', schema: HealthSchema } } },
  catalogList: {
    tags: ['catalog'],
    description: 'Cacheable (`Cache-Control`, `ETag`); filter with `q` and `category`, page with `cursor`.',
    query: CatalogQuerySchema,
    responses: { 200: { description: 'A page of products', schema: CatalogPageSchema } },
  },
  catalogGet: {
    tags: ['catalog'],
    params: z.object({ id: ProductIdSchema }),
    responses: {
      200: { description: 'The product', schema: ProductSchema },
      404: { description: 'No such product', schema: ProblemSchema, contentType: 'application/problem+json' },
    },
  },
  me: { tags: ['account'], responses: { 200: { description: 'The caller', schema: MeSchema } } },
} satisfies Partial<Record<RouteId, RouteDoc>>;
