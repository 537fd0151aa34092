import { describe, expect, it } from 'vitest';
import { CatalogQuerySchema } from '../catalog/schema';
import { JobListQuerySchema } from '../jobs/schema';
import { DocumentsQuerySchema } from '../uploads/schema';
import * as z from '../zod';
import { decodeCursor, encodeCursor, pageQueryFields } from './cursor';

const messages = (schema: z.core.$ZodType, input: unknown) =>
  z.safeParse(schema, input).error?.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);

describe('listing queries', () => {
  const page = { defaultLimit: 7, maxLimit: 30 };
  const query = z.strictObject(pageQueryFields(page));

  it('take limit as the query string carries it, with the listing default', () => {
    expect(query.parse({ limit: '12' })).toEqual({ limit: 12 });
    expect(query.parse({})).toEqual({ limit: 7 });
  });

  it('name what is wrong with limit and cursor', () => {
    expect(messages(query, { limit: '2.5' })).toEqual(['limit: must be an integer']);
    expect(messages(query, { limit: '0' })).toEqual(['limit: must be at least 1']);
    expect(messages(query, { limit: '31' })).toEqual(['limit: must be at most 30']);
    expect(messages(query, { cursor: 'x'.repeat(4097) })).toHaveLength(1);
  });

  it('are the same for every HTTP listing (catalog, documents, jobs)', () => {
    for (const [schema, max] of [
      [CatalogQuerySchema, 100],
      [DocumentsQuerySchema, 50],
      [JobListQuerySchema, 100],
    ] as const) {
      expect(messages(schema, { limit: String(max + 1) })).toEqual([`limit: must be at most ${max}`]);
      expect(messages(schema, { limit: 'many' })?.[0]).toMatch(/^limit: /);
    }
  });
});

describe('cursors', () => {
  it('come back as the key they were made from, only for the same scope', () => {
    const cursor = encodeCursor('USER#a', { pk: 'USER#a', sk: 'DOC#1', n: 3 });
    expect(decodeCursor(cursor, 'USER#a')).toEqual({ pk: 'USER#a', sk: 'DOC#1', n: 3 });
    expect(() => decodeCursor(cursor, 'USER#b')).toThrow();
    expect(() => decodeCursor('not a cursor!', 'USER#a')).toThrow();
  });
});
