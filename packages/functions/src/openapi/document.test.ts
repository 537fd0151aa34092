import { Validator } from '@seriousme/openapi-schema-validator';
import { ChatRequestSchema } from '@toolgate/core/agent/schema';
import { CatalogQuerySchema } from '@toolgate/core/catalog/schema';
import {
  IdempotencyKeySchema,
  JobIdSchema,
  JobRequestSchema,
  MAX_JOB_BODY_BYTES,
  MAX_JOB_TEXT_CHARS,
} from '@toolgate/core/jobs/schema';
import { manifest, routes } from '@toolgate/core/manifest';
import { GATEWAY_ANSWERS } from '@toolgate/core/openapi/gateway';
import { type RouteDoc, routeDocs } from '@toolgate/core/openapi/index';
import { IDEMPOTENCY_KEY_PATTERN } from '@toolgate/core/openapi/jobs';
import { ALL_SCOPES } from '@toolgate/core/scopes';
import { FILENAME_PATTERN, FilenameSchema, UploadIdSchema } from '@toolgate/core/uploads/schema';
import * as z from '@toolgate/core/zod';
import fc from 'fast-check';
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

  it('states each route’s auth: OAuth 2 scopes for jwt routes, none for public ones, and their error answers', () => {
    const chat = document.paths['/chat']?.post;
    expect(chat?.security).toEqual([{ oauth2: ['toolgate/chat'] }]);
    expect(Object.keys(chat?.responses ?? {})).toEqual(
      expect.arrayContaining(['200', '400', '401', '403', '404', '429', '500']),
    );
    expect(chat?.requestBody).toBeDefined();
    expect(document.paths['/catalog']?.get?.security).toEqual([]);
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

  it("leaves out what only repeats zod's own checks (safe-integer bounds, string keys), keeps a format's regex", () => {
    const schema = z.object({ n: z.int(), at: z.iso.datetime(), id: z.uuid(), tags: z.record(z.string(), z.string()) });
    const document = build({ tags: ['catalog'], responses: { 200: { description: 'ok', schema } } });
    const op = operation(document) as { responses: { 200: { content: { 'application/json': { schema: unknown } } } } };
    expect(op.responses[200].content['application/json'].schema).toEqual({
      type: 'object',
      properties: {
        n: { type: 'integer' },
        at: { type: 'string', format: 'date-time', pattern: expect.any(String) },
        // The server refuses uuids of version 0 or 9+ and of another variant, which `format: uuid` allows.
        id: { type: 'string', format: 'uuid', pattern: expect.stringContaining('[1-8]') },
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

/**
 * Issue 20: a fuzzer driven by the document found where it and the server disagreed. One test per finding, each
 * failing on the document as it was.
 */
describe('the document says what the server does (issue 20)', () => {
  type Media = { schema: Record<string, unknown> & { $ref?: string } };
  type Response = { content?: Record<string, Media> };
  type Parameter = { name: string; in: string; required: boolean; description?: string; schema: { pattern?: string } };
  type Op = {
    tags: string[];
    parameters?: Parameter[];
    requestBody?: { description?: string; content: Record<string, Media & { 'x-toolgate-max-bytes'?: number }> };
    responses: Record<string, Response>;
  };
  const doc = buildOpenApiDocument() as unknown as {
    info: { license?: { name: string; identifier?: string } };
    servers?: { url: string }[];
    tags: { name: string }[];
    paths: Record<string, Record<string, Op>>;
    'x-toolgate-no-route': Record<string, unknown>;
    components: {
      securitySchemes: Record<string, { type: string; flows?: Record<string, { scopes: Record<string, string> }> }>;
      responses: Record<string, Response>;
      schemas: Record<string, Record<string, unknown>>;
    };
  };
  const operations = Object.entries(doc.paths).flatMap(([path, item]) =>
    Object.entries(item).map(([method, op]) => ({ key: `${method.toUpperCase()} ${path}`, op })),
  );
  const op = (key: string) => {
    const found = operations.find((o) => o.key === key)?.op;
    if (!found) throw new Error(`no operation ${key}`);
    return found;
  };
  type MessageSchema = { $ref?: string; properties?: { message?: { const?: string } }; anyOf?: MessageSchema[] };
  const resolve = (schema: MessageSchema | undefined): MessageSchema | undefined =>
    schema?.$ref ? doc.components.schemas[schema.$ref.replace('#/components/schemas/', '')] : schema;
  /** The `message` of the gateway's answer, also when the function answers application/json at that status. */
  const gatewayMessage = (response: Response | undefined): string | undefined => {
    const schema = response?.content?.['application/json']?.schema as MessageSchema | undefined;
    return [schema, ...(schema?.anyOf ?? [])].map((s) => resolve(s)?.properties?.message?.const).find(Boolean);
  };

  it("documents API Gateway's own answers as application/json {message}, not Problem objects", () => {
    for (const { key, op: operation } of operations) {
      for (const [status, message] of [
        ['413', 'Request Entity Too Large'],
        ['429', 'Too Many Requests'],
        ['500', 'Internal Server Error'],
        ['503', 'Service Unavailable'],
      ] as const) {
        expect(gatewayMessage(operation.responses[status]), `${key} ${status}`).toBe(message);
      }
    }
    for (const route of manifest.filter((r) => r.auth.kind === 'jwt')) {
      const responses = op(`${route.method} ${route.path}`).responses;
      expect(gatewayMessage(responses['401'])).toBe('Unauthorized');
      expect(gatewayMessage(responses['403'])).toBe('Forbidden');
    }
    // Unrouted: no operation describes it; the gateway answers 404, or 413 first for a body over the limit.
    expect(doc['x-toolgate-no-route']).toEqual({
      404: { $ref: '#/components/responses/Gateway404' },
      413: { $ref: '#/components/responses/Gateway413' },
    });
    expect(gatewayMessage(doc.components.responses.Gateway404)).toBe('Not Found');
    expect(GATEWAY_ANSWERS.map((answer) => answer.status)).toEqual([401, 403, 404, 413, 429, 500, 503]);
  });

  it('documents POST /mcp as the transport answers: JSON-RPC errors for 400/406/415, and batches', () => {
    const mcp = op('POST /mcp');
    for (const status of ['400', '406', '415']) {
      expect(Object.keys(mcp.responses[status]?.content ?? {}), status).toEqual(['application/json']);
      expect(mcp.responses[status]?.content?.['application/json']?.schema).toEqual({
        $ref: '#/components/schemas/JsonRpcError',
      });
    }
    const body = mcp.requestBody?.content['application/json']?.schema as { anyOf?: { type?: string }[] };
    expect(body.anyOf?.map((alternative) => alternative.type)).toEqual(['object', 'array']);
  });

  it('POST /jobs: exactly one of prompt and messages (oneOf), as the server requires', () => {
    const schema = op('POST /jobs').requestBody?.content['application/json']?.schema;
    expect(schema?.oneOf).toEqual([{ required: ['prompt'] }, { required: ['messages'] }]);
    // The refinement the oneOf stands for: neither and both are refused, either alone is accepted.
    const accepts = (body: unknown) => z.safeParse(JobRequestSchema, body).success;
    const messages = [{ role: 'user', content: 'hi' }];
    expect([
      accepts({}),
      accepts({ prompt: 'hi', messages }),
      accepts({ prompt: 'hi' }),
      accepts({ messages }),
    ]).toEqual([false, false, true, true]);
  });

  it('POST /jobs: the 128 KB body cap is stated next to the per-text maxLength it bounds', () => {
    const body = op('POST /jobs').requestBody;
    expect(body?.content['application/json']?.['x-toolgate-max-bytes']).toBe(MAX_JOB_BODY_BYTES);
    expect(body?.description).toContain(`${MAX_JOB_BODY_BYTES} bytes`);
    // A prompt at its maxLength does not always fit: the document must not leave the cap unsaid.
    expect(Buffer.byteLength(JSON.stringify({ prompt: 'é'.repeat(MAX_JOB_TEXT_CHARS) }))).toBeGreaterThan(
      MAX_JOB_BODY_BYTES,
    );
  });

  it('path ids carry the uuid version/variant pattern the server checks', () => {
    const uuidParameters = operations.flatMap(({ key, op: operation }) =>
      (operation.parameters ?? []).filter((p) => p.in === 'path' && p.name === 'id' && key !== 'GET /catalog/{id}'),
    );
    expect(uuidParameters.length).toBeGreaterThanOrEqual(4);
    const version0 = '6f9619ff-8b86-0d11-b42d-00c04fc964ff';
    const ncsVariant = '6f9619ff-8b86-4d11-742d-00c04fc964ff';
    for (const parameter of uuidParameters) {
      const pattern = new RegExp(parameter.schema.pattern ?? '.*', 'u');
      expect(pattern.test('6f9619ff-8b86-4d11-b42d-00c04fc964ff')).toBe(true);
      expect([pattern.test(version0), pattern.test(ncsVariant)]).toEqual([false, false]);
    }
    expect([JobIdSchema, UploadIdSchema].map((schema) => z.safeParse(schema, version0).success)).toEqual([
      false,
      false,
    ]);
  });

  it("POST /uploads: the filename pattern refuses exactly what the server's refinements refuse", () => {
    const body = op('POST /uploads').requestBody?.content['application/json']?.schema as
      | { properties: { filename: { pattern: string } } }
      | undefined;
    const filename = body?.properties.filename;
    expect(filename?.pattern).toBe(FILENAME_PATTERN);
    const pattern = new RegExp(FILENAME_PATTERN, 'u');
    const samples = [
      'report.pdf',
      'a b.txt',
      'évolution 2026.csv',
      'a\u0000b',
      'evil\u202etxt.exe',
      'tab\there',
      'a/b',
      'a\\b',
      '..',
      'x..y',
      ' lead',
      'trail ',
      '\u00a0nbsp',
      'x\u2028',
      'del\u007f',
      'c1\u0085',
    ];
    fc.assert(
      fc.property(fc.oneof(fc.constantFrom(...samples), fc.string({ maxLength: 30, unit: 'binary' })), (name) => {
        expect(pattern.test(name), JSON.stringify(name)).toBe(z.safeParse(FilenameSchema, name).success);
      }),
      { numRuns: 2000 },
    );
  });

  it('a text the server trims before its minLength is documented as not blank', () => {
    type Properties = { properties: Record<string, { pattern?: string }> } | undefined;
    const bodyField = (key: string, field: string) =>
      (op(key).requestBody?.content['application/json']?.schema as Properties)?.properties[field];
    const fields = [
      {
        where: 'POST /chat message',
        schema: bodyField('POST /chat', 'message'),
        server: ChatRequestSchema.shape.message,
      },
      { where: 'POST /jobs prompt', schema: bodyField('POST /jobs', 'prompt'), server: JobRequestSchema.shape.prompt },
      {
        where: 'GET /catalog q',
        schema: op('GET /catalog').parameters?.find((p) => p.name === 'q')?.schema,
        server: CatalogQuerySchema.shape.q,
      },
    ];
    for (const { where, schema, server } of fields) {
      const pattern = new RegExp(schema?.pattern ?? '', 'u');
      for (const text of [' \t\n\u00a0\ufeff', ' x ']) {
        expect(pattern.test(text), `${where}: ${JSON.stringify(text)}`).toBe(z.safeParse(server, text).success);
      }
    }
  });

  it('declares the Idempotency-Key header of POST /jobs with the rule the server applies', () => {
    const header = op('POST /jobs').parameters?.find((p) => p.name === 'Idempotency-Key');
    expect(header).toMatchObject({ in: 'header', required: false });
    expect(header?.schema.pattern).toBe(IDEMPOTENCY_KEY_PATTERN);
    const pattern = new RegExp(IDEMPOTENCY_KEY_PATTERN, 'u');
    const keyChar = fc.constantFrom(...'aZ09._:~+/=-"# \t'.split(''));
    const samples = [
      '6f9619ff-8b86-4d11-b42d-00c04fc964ff',
      '"abcdefgh"',
      ' abcdefgh ',
      '"abcdefgh',
      '""',
      'a'.repeat(256),
    ];
    fc.assert(
      fc.property(fc.oneof(fc.constantFrom(...samples), fc.string({ unit: keyChar, maxLength: 14 })), (key) => {
        expect(pattern.test(key), JSON.stringify(key)).toBe(z.safeParse(IdempotencyKeySchema, key).success);
      }),
      { numRuns: 3000 },
    );
  });

  it('declares Stripe-Signature as a required header of the webhook', () => {
    const webhook = operations.find(({ op: operation }) => operation.tags.includes('billing'))?.op;
    expect(webhook?.parameters).toContainEqual(
      expect.objectContaining({ name: 'Stripe-Signature', in: 'header', required: true }),
    );
  });

  it('defines every tag it uses, and has servers and a license', () => {
    const defined = doc.tags.map((tag) => tag.name);
    for (const { key, op: operation } of operations)
      for (const tag of operation.tags) expect(defined, `${key} uses ${tag}`).toContain(tag);
    expect(doc.servers?.length).toBeGreaterThan(0);
    expect(doc.info.license?.name).toBeTruthy();
  });

  it('hangs the scopes on an OAuth 2 scheme that declares every scope a route asks for', () => {
    const scheme = doc.components.securitySchemes.oauth2;
    expect(scheme?.type).toBe('oauth2');
    for (const flow of Object.values(scheme?.flows ?? {}))
      expect(Object.keys(flow.scopes).sort()).toEqual([...ALL_SCOPES].sort());
    expect(Object.values(doc.components.securitySchemes).filter((s) => s.type === 'http')).toEqual([]);
  });

  it('says a cursor is opaque: pass nextCursor', () => {
    const cursors = operations.flatMap(({ op: operation }) =>
      (operation.parameters ?? []).filter((p) => p.name === 'cursor'),
    );
    expect(cursors.length).toBeGreaterThanOrEqual(3);
    for (const cursor of cursors) expect(cursor.description).toMatch(/opaque.*`nextCursor`/i);
  });
});
