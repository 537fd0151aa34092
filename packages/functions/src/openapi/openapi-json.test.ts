import { readFile } from 'node:fs/promises';
import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import type { AppEnv } from '../http/types';
import { DOCS_CACHE_CONTROL, mountDocs } from '../routes/docs';
import { buildOpenApiDocument, renderOpenApiJson } from './document';

describe('committed openapi.json', () => {
  it('matches the generator (run `pnpm docs:openapi` to regenerate)', async () => {
    const committed = await readFile(new URL('./openapi.json', import.meta.url), 'utf8');
    expect(committed, 'openapi.json is stale: run `pnpm docs:openapi`').toBe(renderOpenApiJson(buildOpenApiDocument()));
  });

  it('is served by GET /openapi.json byte for byte as the generator builds it', async () => {
    const app = new Hono<AppEnv>();
    mountDocs(app);
    for (let attempt = 0; attempt < 2; attempt++) {
      const response = await app.request('/openapi.json');
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('application/json');
      expect(response.headers.get('cache-control')).toBe(DOCS_CACHE_CONTROL);
      // Compared whole rather than diffed (the diff would print the document twice); the test above shows the diff.
      const served = await response.text();
      expect(
        served === JSON.stringify(buildOpenApiDocument()),
        'served document is stale: run `pnpm docs:openapi`',
      ).toBe(true);
    }
  });
});
