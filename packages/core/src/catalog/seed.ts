import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { BatchWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { toCatalogItem } from './aws/repository';
import { type Product, ProductSchema } from './schema';

/** The demo catalog every store is seeded with: the local emulator at start, a deployed stage by `pnpm seed`. */
export const CATALOG_FIXTURE = fileURLToPath(new URL('./products.json', import.meta.url));

const BATCH_SIZE = 25; // BatchWriteItem's maximum
const MAX_ATTEMPTS = 8;

export async function loadCatalogFixture(path: string = CATALOG_FIXTURE): Promise<Product[]> {
  const raw: unknown = JSON.parse(await readFile(path, 'utf8'));
  if (!Array.isArray(raw)) throw new Error(`Catalog fixture ${path} must be a JSON array`);
  const products = raw.map((entry, index) => {
    const parsed = ProductSchema.safeParse(entry);
    if (!parsed.success) {
      const fields = parsed.error.issues.map((issue) => issue.path.join('.')).join(', ');
      throw new Error(`Catalog fixture ${path}: product #${index} is invalid (${fields})`);
    }
    return parsed.data;
  });
  if (new Set(products.map((product) => product.id)).size !== products.length) {
    throw new Error(`Catalog fixture ${path} has duplicate product ids`);
  }
  return products;
}

/** Writes the products; idempotent because each put replaces the product's single item. */
export async function seedCatalog(doc: DynamoDBDocumentClient, tableName: string, products: readonly Product[]) {
  for (let start = 0; start < products.length; start += BATCH_SIZE) {
    let requests = products.slice(start, start + BATCH_SIZE).map((product) => ({
      PutRequest: { Item: toCatalogItem(product) },
    }));
    for (let attempt = 1; requests.length > 0; attempt++) {
      if (attempt > MAX_ATTEMPTS) throw new Error('Seeding the catalog: items stayed unprocessed');
      const { UnprocessedItems } = await doc.send(new BatchWriteCommand({ RequestItems: { [tableName]: requests } }));
      requests = (UnprocessedItems?.[tableName] ?? []) as typeof requests;
      if (requests.length > 0) await new Promise((resolve) => setTimeout(resolve, 10 * 2 ** attempt));
    }
  }
  return products.length;
}
