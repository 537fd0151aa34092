import { type DynamoDBDocumentClient, GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { CursorCodec, ExclusiveStartKey } from '../../data/cursor';
import { indexKeys, keys } from '../../data/keys';
import { type CatalogPage, type CatalogQuery, type Product, ProductSchema } from '../schema';

/**
 * Products live in the single table:
 *   pk = PRODUCT#<id>, sk = PRODUCT             (GET /catalog/{id})
 *   gsi1pk = CATALOG, gsi1sk = <category>#<id>  (listing; a category is a begins_with on the same index)
 *   search = lower-cased name + description + tags (for `q`, a filter: fine at catalog scale)
 */
const CATALOG_PARTITION = indexKeys.catalogPartition;

/** Page size asked of DynamoDB per round trip, and the most round trips one listing call may make. */
const QUERY_PAGE = 100;
const MAX_ROUND_TRIPS = 10;

export function toCatalogItem(product: Product): Record<string, unknown> {
  return {
    ...product,
    ...keys.product(product.id),
    ...indexKeys.catalog(product.category, product.id),
    search: [product.name, product.description, ...product.tags].join(' ').toLowerCase(),
  };
}

function toProduct(item: Record<string, unknown>): Product {
  return ProductSchema.parse(item);
}

function keyOf(item: Record<string, unknown>): ExclusiveStartKey {
  return {
    pk: item.pk as string,
    sk: item.sk as string,
    gsi1pk: item.gsi1pk as string,
    gsi1sk: item.gsi1sk as string,
  };
}

export interface CatalogRepository {
  get(id: string): Promise<Product | null>;
  list(query: CatalogQuery): Promise<CatalogPage>;
}

export function createCatalogRepository(
  doc: DynamoDBDocumentClient,
  tableName: string,
  cursors: CursorCodec,
): CatalogRepository {
  return {
    async get(id) {
      const { Item } = await doc.send(new GetCommand({ TableName: tableName, Key: keys.product(id) }));
      return Item ? toProduct(Item) : null;
    },

    async list({ q, category, limit, cursor }) {
      // A cursor is bound to the filters that produced it.
      const cursorScope = `catalog|${category ?? ''}|${q?.toLowerCase() ?? ''}`;
      let startKey: ExclusiveStartKey | undefined = cursor
        ? cursors.decode(cursor, { scope: cursorScope, partition: CATALOG_PARTITION })
        : undefined;

      const names: Record<string, string> = { '#p': 'gsi1pk' };
      const values: Record<string, unknown> = { ':p': CATALOG_PARTITION };
      let keyCondition = '#p = :p';
      if (category) {
        names['#s'] = 'gsi1sk';
        values[':c'] = `${category}#`;
        keyCondition += ' AND begins_with(#s, :c)';
      }
      let filter: string | undefined;
      if (q) {
        names['#search'] = 'search';
        const words = q.toLowerCase().split(/\s+/).filter(Boolean).slice(0, 5);
        filter = words
          .map((word, index) => {
            values[`:q${index}`] = word;
            return `contains(#search, :q${index})`;
          })
          .join(' AND ');
      }

      const found: Record<string, unknown>[] = [];
      let exhausted = false;
      for (let trip = 0; trip < MAX_ROUND_TRIPS && found.length <= limit; trip++) {
        const page = await doc.send(
          new QueryCommand({
            TableName: tableName,
            IndexName: 'gsi1',
            KeyConditionExpression: keyCondition,
            FilterExpression: filter,
            ExpressionAttributeNames: names,
            ExpressionAttributeValues: values,
            ExclusiveStartKey: startKey,
            Limit: QUERY_PAGE,
          }),
        );
        found.push(...(page.Items ?? []));
        startKey = page.LastEvaluatedKey as ExclusiveStartKey | undefined;
        if (!startKey) {
          exhausted = true;
          break;
        }
      }

      const items = found.slice(0, limit);
      let nextKey: ExclusiveStartKey | undefined;
      const last = items.at(-1);
      if (found.length > limit && last) nextKey = keyOf(last);
      else if (!exhausted && startKey) nextKey = startKey; // stopped by the round-trip cap: resume where evaluation stopped
      return {
        items: items.map(toProduct),
        nextCursor: nextKey ? cursors.encode(cursorScope, nextKey) : null,
      };
    },
  };
}
