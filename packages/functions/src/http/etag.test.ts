import { createHash } from 'node:crypto';
import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { ifNoneMatchMatches, weakEtag, weakEtagOf } from './etag';

const BODY = { items: [{ id: 'p-1', name: 'Widget' }], nextCursor: null };
const SERIALIZED = JSON.stringify(BODY);
const TAG = `W/"${createHash('sha1').update(SERIALIZED).digest('base64url')}"`;

function app() {
  const app = new Hono();
  app.use('*', async (c, next) => {
    await next();
    c.header('X-Content-Type-Options', 'nosniff'); // like the tier app's outer middleware
  });
  app.get('/thing', weakEtag(), (c) => {
    c.header('Cache-Control', 'public, max-age=60');
    c.header('Vary', 'Accept-Encoding');
    c.header('X-Other', 'dropped on 304');
    return c.json(BODY);
  });
  app.get('/own', weakEtag(), (c) => {
    c.header('ETag', '"v1"');
    return c.json(BODY);
  });
  app.get('/missing', weakEtag(), (c) => c.json({ title: 'Not found' }, 404));
  app.get('/created', weakEtag(), (c) => c.json(BODY, 201));
  app.post('/thing', weakEtag(), (c) => c.json(BODY));
  app.get('/boom', weakEtag(), () => {
    throw new Error('boom');
  });
  app.onError((_error, c) => c.json({ title: 'error' }, 500));
  return app;
}

const get = (path: string, ifNoneMatch?: string) =>
  app().request(path, ifNoneMatch === undefined ? {} : { headers: { 'If-None-Match': ifNoneMatch } });

describe('weakEtagOf', () => {
  it('is W/"<base64url SHA-1>" of the bytes, equal for a string and its UTF-8 bytes', () => {
    expect(weakEtagOf(SERIALIZED)).toBe(TAG);
    expect(weakEtagOf(new TextEncoder().encode(SERIALIZED))).toBe(TAG);
    expect(weakEtagOf('héllo')).toBe(weakEtagOf(new TextEncoder().encode('héllo')));
    expect(TAG).toMatch(/^W\/"[A-Za-z0-9_-]{27}"$/);
  });
});

describe('ifNoneMatchMatches (RFC 9110 weak comparison)', () => {
  it.each([
    [TAG, true],
    [TAG.slice(2), true], // the strong form of the same opaque tag
    [`"other", ${TAG}`, true],
    [`W/"a",W/"b" ,  ${TAG.slice(2)}`, true],
    ['*', true],
    ['  *  ', true],
    ['"other"', false],
    ['W/"other", "another"', false],
    [TAG.toLowerCase(), false], // opaque tags compare case-sensitively
    [TAG.slice(0, -1), false], // unterminated
    ['', false],
    [undefined, false],
  ])('%s → %s', (header, expected) => {
    expect(ifNoneMatchMatches(header, TAG)).toBe(expected);
  });

  it('matches on the opaque tag whether the current ETag is weak or strong, and does not split on commas inside tags', () => {
    expect(ifNoneMatchMatches('W/"a,b"', '"a,b"')).toBe(true);
    expect(ifNoneMatchMatches('"a,b"', 'W/"a,b"')).toBe(true);
    expect(ifNoneMatchMatches('"a", "b"', '"a,b"')).toBe(false);
  });
});

describe('weakEtag middleware', () => {
  it('sets a weak ETag over the serialized body of a 200 and keeps the body and headers', async () => {
    const response = await get('/thing');
    expect(response.status).toBe(200);
    expect(response.headers.get('etag')).toBe(TAG);
    expect(response.headers.get('content-type')).toBe('application/json');
    expect(response.headers.get('cache-control')).toBe('public, max-age=60');
    expect(response.headers.get('x-other')).toBe('dropped on 304');
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(await response.text()).toBe(SERIALIZED);
  });

  it.each([TAG, TAG.slice(2), `"stale", ${TAG}`, '*'])(
    'answers If-None-Match: %s with 304, no body, and only the headers a 304 keeps',
    async (header) => {
      const response = await get('/thing', header);
      expect(response.status).toBe(304);
      expect(await response.text()).toBe('');
      expect(response.headers.get('etag')).toBe(TAG);
      expect(response.headers.get('cache-control')).toBe('public, max-age=60');
      expect(response.headers.get('vary')).toBe('Accept-Encoding');
      expect(response.headers.get('content-type')).toBeNull();
      expect(response.headers.get('content-length')).toBeNull();
      expect(response.headers.get('x-other')).toBeNull();
      expect(response.headers.get('x-content-type-options')).toBe('nosniff'); // outer middleware still applies
    },
  );

  it('answers 200 with the body to a non-matching If-None-Match', async () => {
    const response = await get('/thing', 'W/"stale", "older"');
    expect(response.status).toBe(200);
    expect(response.headers.get('etag')).toBe(TAG);
    expect(await response.text()).toBe(SERIALIZED);
  });

  it('answers HEAD like GET, and leaves other methods alone', async () => {
    const head = await app().request('/thing', { method: 'HEAD', headers: { 'If-None-Match': TAG } });
    expect(head.status).toBe(304);
    const post = await app().request('/thing', { method: 'POST', headers: { 'If-None-Match': '*' } });
    expect(post.status).toBe(200);
    expect(post.headers.get('etag')).toBeNull();
  });

  it('keeps an ETag the route set itself, and compares against it', async () => {
    const fresh = await get('/own');
    expect(fresh.headers.get('etag')).toBe('"v1"');
    expect(await fresh.text()).toBe(SERIALIZED);
    expect((await get('/own', 'W/"v1"')).status).toBe(304);
  });

  it.each(['/missing', '/created', '/boom'])(
    'leaves a non-200 answer (%s) alone, even with If-None-Match: *',
    async (path) => {
      for (const header of [undefined, '*']) {
        const response = await get(path, header);
        expect(response.status).not.toBe(200);
        expect(response.status).not.toBe(304);
        expect(response.headers.get('etag')).toBeNull();
        expect(await response.text()).not.toBe('');
      }
    },
  );
});
