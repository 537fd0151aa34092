import { createHash } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';

/**
 * The headers a 304 keeps from the 200 it stands for (RFC 9110 §15.4.5: Cache-Control, Content-Location, Date,
 * ETag, Expires and Vary); every other header of the route's response is dropped with its body. Headers that
 * outer middleware adds afterwards (security headers, the access log's) are added to the 304 as to any answer.
 */
export const RETAINED_304_HEADERS: readonly string[] = [
  'cache-control',
  'content-location',
  'date',
  'etag',
  'expires',
  'vary',
];

/** `W/"<SHA-1 of the bytes, base64url>"`: weak, because equal bytes are all it promises (not byte ranges). */
export function weakEtagOf(body: Uint8Array | string): string {
  return `W/"${createHash('sha1').update(body).digest('base64url')}"`;
}

/** An entity-tag (RFC 9110 §8.8.3): optional `W/`, then a quoted opaque tag without inner quotes. */
const ENTITY_TAG = /(?:W\/)?"[^"]*"/g;

const opaqueTag = (tag: string): string => (tag.startsWith('W/') ? tag.slice(2) : tag);

/**
 * Whether `If-None-Match` matches the current representation's `etag` (RFC 9110 §13.1.2): `*` matches any
 * current representation; otherwise any listed entity-tag matches under the weak comparison (§8.8.3.2), where
 * two tags match when their opaque tags are equal, whether either is weak or not. Absent header: no match.
 */
export function ifNoneMatchMatches(ifNoneMatch: string | undefined | null, etag: string): boolean {
  if (ifNoneMatch == null) return false;
  if (ifNoneMatch.trim() === '*') return true;
  const current = opaqueTag(etag);
  return (ifNoneMatch.match(ENTITY_TAG) ?? []).some((tag) => opaqueTag(tag) === current);
}

/**
 * Weak ETags over the serialized body, hashed synchronously with `node:crypto` (hono/etag clones the response into
 * a tee of web streams and hashes through WebCrypto's async job queue; it also costs its own code in the bundle).
 * Only 200 answers to GET (or HEAD) get one, and only when the route did not set its own; a request whose
 * `If-None-Match` matches gets 304 with no body and the headers a 304 keeps.
 */
export function weakEtag(): MiddlewareHandler {
  return async function weakEtag(c, next) {
    await next();
    const res = c.res;
    // A 304 only answers a conditional GET or HEAD (RFC 9110 §13.1.2); the routes using this are GET only anyway.
    if (res.status !== 200 || (c.req.method !== 'GET' && c.req.method !== 'HEAD')) return;
    let etag = res.headers.get('ETag');
    let body: ArrayBuffer | undefined;
    if (!etag) {
      body = await res.arrayBuffer();
      etag = weakEtagOf(new Uint8Array(body));
    }

    if (ifNoneMatchMatches(c.req.header('If-None-Match'), etag)) {
      if (body === undefined) await res.body?.cancel(); // not read: release it
      const headers = new Headers({ ETag: etag });
      for (const name of RETAINED_304_HEADERS) {
        const value = res.headers.get(name);
        if (value !== null && name !== 'etag') headers.set(name, value);
      }
      c.res = undefined; // replace the answer, rather than merge the 200's headers into the 304
      c.res = new Response(null, { status: 304, headers });
      return;
    }

    if (body === undefined) return; // the route set its own ETag and the body is untouched
    const headers = new Headers(res.headers);
    headers.set('ETag', etag);
    c.res = undefined;
    c.res = new Response(body, { status: 200, statusText: res.statusText, headers });
  };
}
