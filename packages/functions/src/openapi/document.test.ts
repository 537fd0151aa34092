import { manifest, routes } from '@toolgate/core/manifest';
import { routeDocs } from '@toolgate/core/openapi/index';
import { describe, expect, it } from 'vitest';
import { buildOpenApiDocument } from './document';

type Operation = {
  operationId: string;
  security: Record<string, string[]>[];
  responses: Record<string, unknown>;
  requestBody?: unknown;
};

describe('OpenAPI document', () => {
  const document = buildOpenApiDocument() as unknown as {
    openapi: string;
    paths: Record<string, Record<string, Operation>>;
    components: { securitySchemes: Record<string, unknown> };
  };

  it('is OpenAPI 3.1 and has an operation for every manifest route, and nothing else', () => {
    expect(document.openapi).toBe('3.1.0');
    const documented = Object.entries(document.paths).flatMap(([path, item]) =>
      Object.keys(item).map((method) => `${method.toUpperCase()} ${path}`),
    );
    expect(documented.sort()).toEqual(manifest.map((route) => `${route.method} ${route.path}`).sort());
  });

  it('states each route’s auth: bearer scopes for jwt routes, none for public ones, and their error answers', () => {
    const chat = document.paths['/chat']?.post;
    expect(chat?.security).toEqual([{ bearerAuth: ['toolgate/chat'] }]);
    expect(Object.keys(chat?.responses ?? {})).toEqual(
      expect.arrayContaining(['200', '400', '401', '403', '404', '429', '500']),
    );
    expect(chat?.requestBody).toBeDefined();
    expect(document.paths['/catalog']?.get?.security).toEqual([]);
    expect(document.components.securitySchemes.bearerAuth).toMatchObject({ type: 'http', scheme: 'bearer' });
  });

  it('refuses to build when a manifest route has no documentation', () => {
    const { chat: _omitted, ...docs } = routeDocs;
    expect(() => buildOpenApiDocument({ routes, docs })).toThrow(/no documentation for chat \(POST \/chat\)/);
  });
});
