import { Validator } from '@seriousme/openapi-schema-validator';
import { manifest, routes } from '@toolgate/core/manifest';
import { type RouteDoc, routeDocs } from '@toolgate/core/openapi/index';
import * as z from '@toolgate/core/zod';
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

  it('is valid against the OpenAPI 3.1 schema (and the check catches a broken document)', async () => {
    const result = await new Validator().validate(structuredClone(document));
    expect(result.errors).toBeUndefined();
    expect(result.valid).toBe(true);
    const broken = structuredClone(document) as {
      paths: Record<string, Record<string, { parameters?: { in: string }[] }>>;
    };
    const parameter = broken.paths['/catalog']?.get?.parameters?.[0];
    if (parameter) parameter.in = 'body'; // OpenAPI 2's body parameter, gone since 3.0
    expect((await new Validator().validate(broken)).valid).toBe(false);
  });

  it('refuses to build when a manifest route has no documentation', () => {
    const { chat: _omitted, ...docs } = routeDocs;
    expect(() => buildOpenApiDocument({ routes, docs })).toThrow(/no documentation for chat \(POST \/chat\)/);
  });
});

describe('OpenAPI schemas (zod → JSON Schema 2020-12)', () => {
  const Thing = z.object({ id: z.string() }).check(z.meta({ id: 'Thing' }));
  const build = (doc: RouteDoc) =>
    buildOpenApiDocument({ routes: { catalogList: routes.catalogList }, docs: { catalogList: doc } }) as unknown as {
      paths: Record<string, Record<string, Record<string, unknown>>>;
      components: { schemas: Record<string, unknown> };
    };
  const operation = (document: ReturnType<typeof build>) => document.paths['/catalog']?.get as unknown;

  it('makes a schema with meta({ id }) one component, referenced wherever it is used', () => {
    const document = build({
      tags: ['catalog'],
      responses: { 200: { description: 'ok', schema: z.object({ first: Thing, second: z.array(Thing) }) } },
    });
    expect(document.components.schemas.Thing).toEqual({
      type: 'object',
      properties: { id: { type: 'string' } },
      required: ['id'],
    });
    const json = JSON.stringify(operation(document));
    expect(json.match(/"\$ref":"#\/components\/schemas\/Thing"/g)).toHaveLength(2);
    expect(json).not.toContain('$defs');
  });

  it('reads requests as zod parses them (a default makes a field optional) and responses as handlers produce them', () => {
    const document = build({
      tags: ['catalog'],
      query: z.object({ limit: z._default(z.int().check(z.minimum(1)), 5), q: z.string().check(z.describe('Words')) }),
      body: z.strictObject({ n: z._default(z.int(), 1) }),
      responses: { 200: { description: 'ok', schema: z.object({ n: z._default(z.int(), 1) }) } },
    });
    const op = operation(document) as {
      parameters: unknown[];
      requestBody: { content: { 'application/json': { schema: Record<string, unknown> } } };
      responses: { 200: { content: { 'application/json': { schema: Record<string, unknown> } } } };
    };
    expect(op.parameters).toEqual([
      { name: 'limit', in: 'query', required: false, schema: { type: 'integer', minimum: 1, default: 5 } },
      {
        name: 'q',
        in: 'query',
        required: true,
        description: 'Words',
        schema: { type: 'string', description: 'Words' },
      },
    ]);
    // A strict request body says so; a response object does not forbid the fields a later version may add.
    expect(op.requestBody.content['application/json'].schema).toMatchObject({ additionalProperties: false });
    expect(op.requestBody.content['application/json'].schema).not.toHaveProperty('required');
    const response = op.responses[200].content['application/json'].schema;
    expect(response).toMatchObject({ required: ['n'] });
    expect(response).not.toHaveProperty('additionalProperties');
  });

  it("leaves out what only repeats zod's own checks: safe-integer bounds, a format's regex, string keys", () => {
    const schema = z.object({ n: z.int(), at: z.iso.datetime(), id: z.uuid(), tags: z.record(z.string(), z.string()) });
    const document = build({ tags: ['catalog'], responses: { 200: { description: 'ok', schema } } });
    const op = operation(document) as { responses: { 200: { content: { 'application/json': { schema: unknown } } } } };
    expect(op.responses[200].content['application/json'].schema).toEqual({
      type: 'object',
      properties: {
        n: { type: 'integer' },
        at: { type: 'string', format: 'date-time' },
        id: { type: 'string', format: 'uuid' },
        tags: { type: 'object', additionalProperties: { type: 'string' } },
      },
      required: ['n', 'at', 'id', 'tags'],
    });
  });

  it('refuses a component that reads differently as a request and as a response', () => {
    const Defaulted = z.object({ n: z._default(z.int(), 1) }).check(z.meta({ id: 'Defaulted' }));
    expect(() =>
      build({ tags: ['catalog'], body: Defaulted, responses: { 200: { description: 'ok', schema: Defaulted } } }),
    ).toThrow(/Defaulted reads differently/);
  });

  it('refuses a recursive schema without an id (zod would name it per conversion, or point at the root)', () => {
    const Tree: z.ZodMiniType = z.object({
      get children() {
        return z.array(Tree);
      },
    });
    for (const schema of [Tree, z.object({ tree: Tree })]) {
      expect(() => build({ tags: ['catalog'], responses: { 200: { description: 'ok', schema } } })).toThrow(
        /recursive schema needs a meta\(\{ id \}\)/,
      );
    }
    const Named: z.ZodMiniType = z.object({
      get children() {
        return z.array(Named);
      },
    });
    z.globalRegistry.add(Named, { id: 'Named' });
    const document = build({ tags: ['catalog'], responses: { 200: { description: 'ok', schema: Named } } });
    expect(document.components.schemas.Named).toMatchObject({
      properties: { children: { items: { $ref: '#/components/schemas/Named' } } },
    });
  });
});
