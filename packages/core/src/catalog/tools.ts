import { NotFoundError, ValidationError } from '../errors';
import { scope } from '../scopes';
import { defineTool } from '../tools/registry';
import * as z from '../zod';
import type { CatalogRepository } from './aws/repository';
import { CatalogPageSchema, CategorySchema, ProductIdSchema, ProductSchema } from './schema';

/** Smaller pages than the HTTP listing: every result goes into a model's context window. */
const TOOL_PAGE = { defaultLimit: 5, maxLimit: 20 } as const;

export const CatalogSearchInputSchema = z.strictObject({
  q: z
    .optional(z.string().check(z.trim(), z.minLength(1), z.maxLength(100)))
    .check(z.describe('Words that must all appear in the product text')),
  category: z.optional(CategorySchema).check(z.describe('Only products of this category')),
  limit: z
    ._default(z.int().check(z.minimum(1), z.maximum(TOOL_PAGE.maxLimit)), TOOL_PAGE.defaultLimit)
    .check(z.describe('How many products to return')),
  cursor: z
    .optional(z.string().check(z.minLength(1), z.maxLength(4096)))
    .check(z.describe('nextCursor of a previous search, to get the next page')),
});

export const CatalogGetInputSchema = z.strictObject({ id: ProductIdSchema.check(z.describe('The product id')) });

export function catalogTools(catalog: CatalogRepository) {
  return [
    defineTool({
      name: 'catalog_search',
      description:
        'Search the toolgate product catalog (compute, storage, models, datasets, tooling, support). Returns products ' +
        'with id, name, description, category, price in US cents and stock. Use a single keyword such as "gpu" for ' +
        'best results, or filter by category. Follow up with catalog_get for one product.',
      input: CatalogSearchInputSchema,
      output: CatalogPageSchema,
      scope: scope('tools'),
      handler: async (input) => {
        try {
          return await catalog.list(input);
        } catch (error) {
          // The repository names the HTTP listing's field; here the cursor came in as tool input.
          if (error instanceof ValidationError) {
            throw new ValidationError(
              error.issues.map((issue) => ({ ...issue, field: issue.field.replace(/^query\./, 'input.') })),
            );
          }
          throw error;
        }
      },
    }),
    defineTool({
      name: 'catalog_get',
      description:
        'Get one catalog product by its id (for example "gpu-a10g-hour"), with its full description and price.',
      input: CatalogGetInputSchema,
      output: ProductSchema,
      scope: scope('tools'),
      handler: async ({ id }) => {
        const product = await catalog.get(id);
        if (!product) throw new NotFoundError(`No product ${id}.`);
        return product;
      },
    }),
  ];
}
