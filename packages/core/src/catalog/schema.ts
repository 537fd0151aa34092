import { pageQueryFields } from '../data/cursor';
import * as z from '../zod';

export const CATEGORIES = ['compute', 'storage', 'models', 'datasets', 'tooling', 'support'] as const;
export const CategorySchema = z.enum(CATEGORIES);
export type Category = z.infer<typeof CategorySchema>;

export const ProductIdSchema = z
  .string()
  .check(z.regex(/^[a-z0-9][a-z0-9-]{0,63}$/, 'must be a product id like "gpu-a10g-hour"'));

export const ProductSchema = z.object({
  id: ProductIdSchema,
  name: z.string().check(z.minLength(1), z.maxLength(200)),
  description: z.string().check(z.maxLength(2000)),
  category: CategorySchema,
  /** Price in the smallest currency unit (cents), so that no float ever touches money. */
  priceCents: z.int().check(z.nonnegative()),
  currency: z.literal('USD'),
  tags: z.array(z.string().check(z.maxLength(40))).check(z.maxLength(20)),
  inStock: z.boolean(),
  updatedAt: z.iso.datetime(),
});
export type Product = z.infer<typeof ProductSchema>;

export const CATALOG_PAGE = { defaultLimit: 20, maxLimit: 100 } as const;

/** Query parameters of `GET /catalog`, validated at the HTTP boundary. */
export const CatalogQuerySchema = z.object({
  q: z.optional(z.string().check(z.trim(), z.minLength(1), z.maxLength(100), z.notBlank())),
  category: z.optional(CategorySchema),
  ...pageQueryFields(CATALOG_PAGE),
});
export type CatalogQuery = z.infer<typeof CatalogQuerySchema>;

export const CatalogPageSchema = z.object({
  items: z.array(ProductSchema),
  nextCursor: z.nullable(z.string()),
});
export type CatalogPage = z.infer<typeof CatalogPageSchema>;
