import { readFile } from 'node:fs/promises';
import type { Product } from '@toolgate/core/catalog/schema';
import { describe, expect, it } from 'vitest';
import { getJson, useLocalRuntime } from './support/runtime';

const runtime = useLocalRuntime();
const fixture: Product[] = JSON.parse(
  await readFile(new URL('../packages/core/src/catalog/products.json', import.meta.url), 'utf8'),
);

async function walk(query: string, limit: number) {
  const ids: string[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const params = new URLSearchParams(query);
    params.set('limit', String(limit));
    if (cursor) params.set('cursor', cursor);
    const { status, body } = await getJson(`${runtime().url}/catalog?${params}`);
    expect(status).toBe(200);
    expect(body.items.length).toBeLessThanOrEqual(limit);
    ids.push(...body.items.map((item: Product) => item.id));
    cursor = body.nextCursor;
    pages++;
    expect(pages).toBeLessThan(200);
  } while (cursor);
  return { ids, pages };
}

describe('GET /catalog', () => {
  it('seeds at least 50 products across several categories', () => {
    expect(runtime().seeded).toBe(fixture.length);
    expect(fixture.length).toBeGreaterThanOrEqual(50);
    expect(new Set(fixture.map((p) => p.category)).size).toBeGreaterThanOrEqual(5);
  });

  it.each([1, 7, 20, 100])('pagination with limit %i walks every product exactly once', async (limit) => {
    const { ids, pages } = await walk('', limit);
    expect(ids).toHaveLength(fixture.length);
    expect(new Set(ids).size).toBe(fixture.length);
    expect(new Set(ids)).toEqual(new Set(fixture.map((p) => p.id)));
    expect(pages).toBe(Math.ceil(fixture.length / limit));
  });

  it('defaults to 20 items', async () => {
    const { body } = await getJson(`${runtime().url}/catalog`);
    expect(body.items).toHaveLength(20);
    expect(typeof body.nextCursor).toBe('string');
  });

  it('filters by category, across pages', async () => {
    const { ids } = await walk('category=models', 3);
    const expected = fixture.filter((p) => p.category === 'models').map((p) => p.id);
    expect(ids.sort()).toEqual(expected.sort());
  });

  it('filters by text query (name, description, tags; case-insensitive), across pages', async () => {
    const { ids } = await walk('q=GPU', 2);
    const expected = fixture
      .filter((p) => [p.name, p.description, ...p.tags].join(' ').toLowerCase().includes('gpu'))
      .map((p) => p.id);
    expect(expected.length).toBeGreaterThan(2);
    expect(ids.sort()).toEqual(expected.sort());
  });

  it('combines q and category', async () => {
    const { ids } = await walk('q=evaluation&category=datasets', 1);
    const expected = fixture
      .filter((p) => p.category === 'datasets')
      .filter((p) => [p.name, p.description, ...p.tags].join(' ').toLowerCase().includes('evaluation'))
      .map((p) => p.id);
    expect(ids.sort()).toEqual(expected.sort());
  });

  it('returns an empty page for a query that matches nothing', async () => {
    const { body } = await getJson(`${runtime().url}/catalog?q=zzzznothing`);
    expect(body).toEqual({ items: [], nextCursor: null });
  });

  it('sends CDN cache headers and answers 304 to a matching If-None-Match', async () => {
    const first = await fetch(`${runtime().url}/catalog?category=support`);
    expect(first.status).toBe(200);
    expect(first.headers.get('cache-control')).toMatch(/s-maxage=\d+/);
    const etag = first.headers.get('etag');
    expect(etag).toBeTruthy();
    const second = await fetch(`${runtime().url}/catalog?category=support`, { headers: { 'if-none-match': etag! } });
    expect(second.status).toBe(304);
    expect(await second.text()).toBe('');
    const other = await fetch(`${runtime().url}/catalog?category=models`, { headers: { 'if-none-match': etag! } });
    expect(other.status).toBe(200);
  });

  it.each([
    ['limit=0', 'query.limit'],
    ['limit=101', 'query.limit'],
    ['limit=abc', 'query.limit'],
    ['limit=1.5', 'query.limit'],
    ['limit=1&limit=2', 'query.limit'],
    ['category=weapons', 'query.category'],
    ['cursor=not-a-cursor!', 'query.cursor'],
    ['cursor=eyJzIjoiYSJ9', 'query.cursor'],
    [`q=${'x'.repeat(101)}`, 'query.q'],
  ])('rejects %s with 400 problem+json naming %s', async (query, field) => {
    const { status, headers, body } = await getJson(`${runtime().url}/catalog?${query}`);
    expect(status).toBe(400);
    expect(headers.get('content-type')).toBe('application/problem+json');
    expect(body.type).toBe('urn:toolgate:problem:validation');
    expect(body.errors.map((e: { field: string }) => e.field)).toContain(field);
  });

  it('rejects a cursor from another filter', async () => {
    const { body } = await getJson(`${runtime().url}/catalog?category=models&limit=2`);
    const { status } = await getJson(`${runtime().url}/catalog?category=storage&limit=2&cursor=${body.nextCursor}`);
    expect(status).toBe(400);
  });
});

describe('GET /catalog/{id}', () => {
  it('returns one product with cache headers and an ETag, and 304 on revalidation', async () => {
    const product = fixture[3]!;
    const response = await fetch(`${runtime().url}/catalog/${product.id}`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual(product);
    expect(response.headers.get('cache-control')).toContain('s-maxage');
    const etag = response.headers.get('etag')!;
    const again = await fetch(`${runtime().url}/catalog/${product.id}`, { headers: { 'if-none-match': etag } });
    expect(again.status).toBe(304);
  });

  it('answers 404 problem+json for an unknown product and 400 for a malformed id', async () => {
    const missing = await getJson(`${runtime().url}/catalog/no-such-product`);
    expect(missing.status).toBe(404);
    expect(missing.headers.get('content-type')).toBe('application/problem+json');
    expect(missing.body.type).toBe('urn:toolgate:problem:not-found');
    const bad = await getJson(`${runtime().url}/catalog/${encodeURIComponent('UPPER case')}`);
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0].field).toBe('path');
  });
});

describe('gateway and errors', () => {
  it('answers GET /health', async () => {
    const { status, body } = await getJson(`${runtime().url}/health`);
    expect(status).toBe(200);
    expect(body).toEqual({ status: 'ok' });
  });

  it('404 for an undeclared route, from the gateway, without a stack trace', async () => {
    const { status, body } = await getJson(`${runtime().url}/admin`);
    expect(status).toBe(404);
    expect(body).toEqual({ message: 'Not Found' });
  });

  it('413 for a body over 10 MB on any route, before any Lambda runs', async () => {
    const big = new Uint8Array(10 * 1024 * 1024 + 1);
    for (const path of ['/catalog', '/me', '/nowhere']) {
      const response = await fetch(`${runtime().url}${path}`, { method: 'POST', body: big });
      expect(response.status, path).toBe(413);
    }
  });
});
