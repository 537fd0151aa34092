import * as z from 'zod';

export const CATEGORIES = ['compute', 'storage', 'models', 'datasets', 'tooling', 'support'] as const;
export const CategorySchema = z.enum(CATEGORIES);
export type Category = z.infer<typeof CategorySchema>;

export const ProductIdSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,63}$/, 'must be a product id like "gpu-a10g-hour"');

export const ProductSchema = z.object({
  id: ProductIdSchema,
  name: z.string().min(1).max(200),
  description: z.string().max(2000),
  category: CategorySchema,
  /** Price in the smallest currency unit (cents), so that no float ever touches money. */
  priceCents: z.number().int().nonnegative(),
  currency: z.literal('USD'),
  tags: z.array(z.string().max(40)).max(20),
  inStock: z.boolean(),
  updatedAt: z.iso.datetime(),
});
export type Product = z.infer<typeof ProductSchema>;

export const CATALOG_PAGE = { defaultLimit: 20, maxLimit: 100 } as const;

/** Query parameters of `GET /catalog`, validated at the HTTP boundary. */
export const CatalogQuerySchema = z.object({
  q: z.string().trim().min(1).max(100).optional(),
  category: CategorySchema.optional(),
  limit: z.coerce
    .number()
    .int('must be an integer')
    .min(1, 'must be at least 1')
    .max(CATALOG_PAGE.maxLimit, `must be at most ${CATALOG_PAGE.maxLimit}`)
    .default(CATALOG_PAGE.defaultLimit),
  cursor: z.string().min(1).max(4096).optional(),
});
export type CatalogQuery = z.infer<typeof CatalogQuerySchema>;

export const CatalogPageSchema = z.object({
  items: z.array(ProductSchema),
  nextCursor: z.string().nullable(),
});
export type CatalogPage = z.infer<typeof CatalogPageSchema>;
