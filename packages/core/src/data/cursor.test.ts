import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CatalogQuerySchema } from '../catalog/schema';
import { JobListQuerySchema } from '../jobs/schema';
import { DocumentsQuerySchema } from '../uploads/schema';
import * as z from '../zod';
import { createCursorCodec, pageQueryFields } from './cursor';

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
  const codec = createCursorCodec('k'.repeat(32));
  const key = { pk: 'USER#a', sk: 'DOC#1', gsi1pk: 'DOCS#a', gsi1sk: '2026-01-01T00:00:00.000Z#1' };
  const expected = { scope: 'documents|a', partition: 'DOCS#a' };
  const refused = (cursor: string) => () => codec.decode(cursor, expected);

  it('come back as the key they were made from, only for the same scope and partition', () => {
    const cursor = codec.encode('documents|a', key);
    expect(codec.decode(cursor, expected)).toEqual(key);
    expect(refused(codec.encode('documents|b', key))).toThrow(/not a cursor returned by this listing/);
    expect(() => codec.decode(cursor, { ...expected, scope: 'documents|b' })).toThrow();
    expect(() => codec.decode(cursor, { ...expected, partition: 'DOCS#b' })).toThrow();
    expect(refused('not a cursor!')).toThrow();
  });

  it('refuse what another key signed (a forgery, or a cursor from before a key rotation)', () => {
    const other = createCursorCodec('o'.repeat(32));
    expect(refused(other.encode('documents|a', key))).toThrow(/not a cursor returned by this listing/);
  });

  it('refuse the unsigned base64url JSON cursors of before, whatever key they name', () => {
    const unsigned = Buffer.from(JSON.stringify({ s: 'documents|a', k: key })).toString('base64url');
    expect(refused(unsigned)).toThrow();
    expect(refused(`v1.${unsigned}.`)).toThrow();
  });

  it('refuse any edit of a signed cursor: every changed character', () => {
    const cursor = codec.encode('documents|a', key);
    for (let index = 0; index < cursor.length; index++) {
      const flipped = cursor[index] === 'A' ? 'B' : 'A';
      const edited = `${cursor.slice(0, index)}${flipped}${cursor.slice(index + 1)}`;
      if (edited === cursor) continue;
      expect(refused(edited), `edit at ${index}`).toThrow();
    }
  });

  it('refuse every arbitrary string with a 400 ValidationError, never another error', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.string(), fc.base64String(), fc.stringMatching(/^v1\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*$/)),
        (cursor) => {
          try {
            codec.decode(cursor, expected);
            return false;
          } catch (error) {
            return (error as { status?: number }).status === 400;
          }
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('cannot be built with a short key, and a keyless codec refuses to sign', () => {
    expect(() => createCursorCodec('short')).toThrow(/at least 32/);
    expect(() => createCursorCodec(null).encode('x', key)).toThrow(/no cursor signing key/);
  });
});
