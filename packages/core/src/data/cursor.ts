import { createHmac, timingSafeEqual } from 'node:crypto';
import { ValidationError } from '../errors';
import * as z from '../zod';

/**
 * Pagination cursors: the DynamoDB key to resume from, signed. DynamoDB answers a malformed `ExclusiveStartKey`
 * with a ValidationException (a 500 if it reached it), and an unsigned key lets a client resume anywhere in an
 * index, so a cursor carries an HMAC-SHA256 over its scope and key, made with a key from configuration
 * (`cursorSigningKey`: an SST secret deployed, generated per `pnpm dev` run locally). Only a cursor this API
 * issued, for the same query (`scope`), is accepted; everything else — forged, edited, truncated, from another
 * listing or signed with a rotated-out key — is a 400 naming `query.cursor`, before any query runs. The key shape is
 * checked as well (the index's four key attributes, the queried partition), so that even a leaked signing key
 * cannot turn a cursor into a ValidationException.
 */
const KeySchema = z.strictObject({
  pk: z.string().check(z.minLength(1), z.maxLength(1024)),
  sk: z.string().check(z.minLength(1), z.maxLength(1024)),
  gsi1pk: z.string().check(z.minLength(1), z.maxLength(1024)),
  gsi1sk: z.string().check(z.minLength(1), z.maxLength(1024)),
});
const CursorSchema = z.strictObject({ s: z.string(), k: KeySchema });

/** A `LastEvaluatedKey` of the `gsi1` index: the table key and the index key. */
export type ExclusiveStartKey = z.infer<typeof KeySchema>;

const MAX_CURSOR_LENGTH = 4096;
/** A signing key shorter than this is a configuration mistake (HMAC-SHA256 keys should carry 256 bits). */
export const MIN_CURSOR_KEY_LENGTH = 32;
const VERSION = 'v1';

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

/** What a decoded cursor must resume: the partition of `gsi1` the listing queries. */
export interface CursorExpectation {
  scope: string;
  partition: string;
}

export interface CursorCodec {
  encode(scope: string, key: ExclusiveStartKey): string;
  /** The key to resume from, or a 400 `ValidationError` on `field` for anything this listing did not issue. */
  decode(cursor: string, expected: CursorExpectation, field?: string): ExclusiveStartKey;
}

/**
 * The codec for one signing key. `null` builds one for a tier that lists nothing (the worker and the steps use the
 * same repositories, and are not given the secret): it throws if it is ever used, instead of signing with nothing.
 */
export function createCursorCodec(signingKey: string | null): CursorCodec {
  if (signingKey !== null && signingKey.length < MIN_CURSOR_KEY_LENGTH) {
    throw new Error(`cursor codec: the signing key must be at least ${MIN_CURSOR_KEY_LENGTH} characters`);
  }
  const mac = (payload: string) => {
    if (signingKey === null) throw new Error('cursor codec: this tier has no cursor signing key');
    return createHmac('sha256', signingKey).update(`${VERSION}.${payload}`).digest();
  };

  return {
    encode(scope, key) {
      const payload = Buffer.from(JSON.stringify({ s: scope, k: key })).toString('base64url');
      return `${VERSION}.${payload}.${mac(payload).toString('base64url')}`;
    },

    decode(cursor, expected, field = 'query.cursor') {
      const invalid = () => new ValidationError([{ field, message: 'is not a cursor returned by this listing' }]);
      if (cursor.length > MAX_CURSOR_LENGTH) throw invalid();
      const [version, payload, signature, ...rest] = cursor.split('.');
      if (version !== VERSION || !payload || !signature || rest.length > 0) throw invalid();
      if (!/^[A-Za-z0-9_-]+$/.test(payload) || !/^[A-Za-z0-9_-]+$/.test(signature)) throw invalid();
      const given = Buffer.from(signature, 'base64url');
      const wanted = mac(payload);
      if (given.length !== wanted.length || !timingSafeEqual(given, wanted)) throw invalid();
      let parsed: unknown;
      try {
        parsed = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
      } catch {
        throw invalid();
      }
      const result = CursorSchema.safeParse(parsed);
      if (!result.success || result.data.s !== expected.scope || result.data.k.gsi1pk !== expected.partition) {
        throw invalid();
      }
      return result.data.k;
    },
  };
}
