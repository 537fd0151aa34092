import { validate } from '@readme/openapi-parser';
import { manifest } from '@toolgate/core/manifest';
import { describe, expect, it } from 'vitest';
import { apiCaller, getJson, useLocalRuntime } from './support/runtime';

/** The published API description, fetched through the local gateway from the public tier like any client would. */
const runtime = useLocalRuntime({ seed: false });
const call = apiCaller(runtime);

describe('GET /openapi.json', () => {
  it('is a valid OpenAPI 3.1 document', async () => {
    const response = await getJson(`${runtime().url}/openapi.json`);
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toContain('public');
    expect(response.body.openapi).toBe('3.1.0');
    const result = await validate(structuredClone(response.body));
    expect(result.valid ? [] : result.errors).toEqual([]);
    expect(result.specification).toBe('OpenAPI');
  });

  it('lists every manifest route with its auth, and needs no token', async () => {
    const { body } = await getJson(`${runtime().url}/openapi.json`);
    const operations = Object.entries(
      body.paths as Record<string, Record<string, { security: unknown[]; operationId: string }>>,
    ).flatMap(([path, item]) =>
      Object.entries(item).map(([method, operation]) => ({ key: `${method.toUpperCase()} ${path}`, operation })),
    );
    expect(operations.map((o) => o.key).sort()).toEqual(
      manifest.map((route) => `${route.method} ${route.path}`).sort(),
    );
    for (const route of manifest) {
      const { operation } = operations.find((o) => o.key === `${route.method} ${route.path}`) ?? {};
      expect(operation?.security, `${route.method} ${route.path}`).toEqual(
        route.auth.kind === 'jwt' ? [{ oauth2: [...route.auth.scopes] }] : [],
      );
    }
  });
});

describe('GET /docs', () => {
  it('is a self-hosted page: every script and style from this origin, none inline, under a CSP that says so', async () => {
    const response = await fetch(`${runtime().url}/docs`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    const csp = response.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("default-src 'none'");
    expect(csp).not.toMatch(/https?:|\*/);
    const html = await response.text();
    expect(html).toMatch(/<!doctype html>/i);
    expect(html).toContain('toolgate API reference');
    expect(html).not.toMatch(/https?:\/\//);
    expect(html).not.toMatch(/<script>/);
    // The favicon is an empty data: URL, so the browser asks no one for /favicon.ico.
    const assets = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1] ?? '').filter((u) => u !== 'data:,');
    expect(assets.map((path) => path.replace(/\?.*/, ''))).toEqual([
      '/docs/assets/swagger-ui.css',
      '/docs/assets/swagger-ui-bundle.js',
      '/docs/assets/reference.js',
    ]);
    const init = await (await fetch(`${runtime().url}${assets[2]}`)).text();
    expect(init).toContain("url: '/openapi.json'");
  });

  it('serves the pinned Swagger UI files, gzip when asked, cached for a year; an unknown asset is a 404 problem', async () => {
    const page = await (await fetch(`${runtime().url}/docs`)).text();
    const bundle = page.match(/src="(\/docs\/assets\/swagger-ui-bundle\.js\?v=[^"]+)"/)?.[1];
    expect(bundle).toBeDefined();
    const gzipped = await fetch(`${runtime().url}${bundle}`, { headers: { 'accept-encoding': 'gzip' } });
    expect(gzipped.status).toBe(200);
    expect(gzipped.headers.get('content-encoding')).toBe('gzip');
    expect(gzipped.headers.get('cache-control')).toContain('immutable');
    expect(gzipped.headers.get('content-type')).toMatch(/^text\/javascript/);
    const text = await gzipped.text();
    expect(text).toContain('SwaggerUIBundle');
    const plain = await call(null, 'GET', '/docs/assets/swagger-ui.css');
    expect(plain.status).toBe(200);
    expect(plain.headers.get('content-type')).toMatch(/^text\/css/);
    const missing = await call(null, 'GET', '/docs/assets/evil.js');
    expect(missing.status).toBe(404);
    expect(missing.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  });

  it('answers HEAD with the page’s headers and no body', async () => {
    const response = await fetch(`${runtime().url}/docs`, { method: 'HEAD' });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    expect(response.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(await response.text()).toBe('');
  });
});
