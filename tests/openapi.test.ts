import { validate } from '@readme/openapi-parser';
import { manifest } from '@toolgate/core/manifest';
import { describe, expect, it } from 'vitest';
import { getJson, useLocalRuntime } from './support/runtime';

/** The published API description, fetched through the local gateway from the public tier like any client would. */
const runtime = useLocalRuntime({ seed: false });

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
  it('renders an HTML API reference that loads /openapi.json', async () => {
    const response = await fetch(`${runtime().url}/docs`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await response.text();
    expect(html).toMatch(/<!doctype html>/i);
    expect(html).toContain('/openapi.json');
    expect(html).toContain('toolgate API reference');
  });
});
