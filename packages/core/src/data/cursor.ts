import { ValidationError } from '../errors';
import * as z from '../zod';

/**
 * Opaque pagination cursors: base64url JSON of the DynamoDB key to resume from. A cursor is only accepted for the
 * query it came from: `scope` (e.g. the partition being read) is stored in it and checked on the way back, so a
 * crafted cursor cannot move a query into another partition (another user's data).
 */
const KeySchema = z.record(
  z.string().check(z.maxLength(1024)),
  z.union([z.string().check(z.maxLength(1024)), z.number()]),
);
const CursorSchema = z.object({ s: z.string(), k: KeySchema });

export type ExclusiveStartKey = Record<string, string | number>;

const MAX_CURSOR_LENGTH = 4096;

/** A listing's page sizes: what a request gets without `limit`, and the most it may ask for. */
export interface PageSize {
  defaultLimit: number;
  maxLimit: number;
}

/** The `limit` and `cursor` query parameters every HTTP listing takes (`?limit=` arrives as a string). */
export function pageQueryFields(page: PageSize) {
  return {
    limit: z._default(
      z.coerce
        .number()
        .check(
          z.int('must be an integer'),
          z.minimum(1, 'must be at least 1'),
          z.maximum(page.maxLimit, `must be at most ${page.maxLimit}`),
        ),
      page.defaultLimit,
    ),
    cursor: z.optional(
      z
        .string()
        .check(
          z.minLength(1),
          z.maxLength(MAX_CURSOR_LENGTH),
          z.describe(
            'Opaque: pass the `nextCursor` of the previous page, unchanged, with the same filters. Do not build or ' +
              'edit one; any other value is a 400.',
          ),
        ),
    ),
  };
}

export function encodeCursor(scope: string, key: ExclusiveStartKey): string {
  return Buffer.from(JSON.stringify({ s: scope, k: key })).toString('base64url');
}

export function decodeCursor(cursor: string, scope: string, field = 'query.cursor'): ExclusiveStartKey {
  const invalid = () => new ValidationError([{ field, message: 'is not a cursor returned by this listing' }]);
  if (cursor.length > MAX_CURSOR_LENGTH || !/^[A-Za-z0-9_-]+$/.test(cursor)) throw invalid();
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw invalid();
  }
  const result = CursorSchema.safeParse(parsed);
  if (!result.success || result.data.s !== scope) throw invalid();
  return result.data.k;
}
