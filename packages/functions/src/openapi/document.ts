import { rateClassOf } from '@toolgate/core/limits/classes';
import { type RouteSpec, routes } from '@toolgate/core/manifest';
import { type ResponseDoc, type RouteDoc, routeDocs } from '@toolgate/core/openapi/index';
import { ProblemSchema } from '@toolgate/core/openapi/schemas';
import { SCOPE_DESCRIPTIONS } from '@toolgate/core/scopes';
import * as z from '@toolgate/core/zod';

/**
 * The OpenAPI 3.1 document, generated from the manifest (every route, its auth, its rate class) and the same zod
 * schemas the handlers validate with. No tier imports this module: `pnpm docs:openapi` runs it at build time and
 * writes `openapi.json` next to it, which the public tier serves (converting every schema at a cold start would cost
 * more than reading the file). A test fails when the committed JSON is stale.
 *
 * Schemas are converted by zod's own `toJSONSchema` (OpenAPI 3.1 uses JSON Schema 2020-12), the converter that
 * also gives the tools' schemas to MCP clients and models: one zod, one conversion, for every consumer.
 */

type JsonSchema = { [key: string]: unknown };
type Io = 'input' | 'output';

const COMPONENT_PREFIX = '#/components/schemas/';
const DEF_PREFIX = '#/$defs/';
const RECURSIVE_WITHOUT_ID = 'OpenAPI: a recursive schema needs a meta({ id }), to be one component';
/** zod's bounds for `z.int()`: true of every JSON integer a client can send, so only noise in a document. */
const SAFE_INTEGER_BOUNDS = { minimum: Number.MIN_SAFE_INTEGER, maximum: Number.MAX_SAFE_INTEGER };

/**
 * zod → OpenAPI schema objects. A schema with `meta({ id })` becomes one component, referenced wherever it is used;
 * every other schema is written inline. Requests are converted as zod reads them (`input`: a field with a default
 * is optional), responses as the handlers produce them (`output`).
 */
class SchemaConverter {
  readonly components: Record<string, JsonSchema> = {};

  convert(schema: z.core.$ZodType, io: Io): JsonSchema {
    const {
      $schema: _dialect,
      $defs,
      ...root
    } = z.toJSONSchema(schema, {
      io,
      target: 'draft-2020-12',
      unrepresentable: 'throw',
      override: ({ zodSchema, jsonSchema }) => tidy(zodSchema, jsonSchema as JsonSchema, io),
    }) as JsonSchema & { $defs?: Record<string, JsonSchema> };
    for (const [id, definition] of Object.entries($defs ?? {}))
      this.addComponent(id, io, pointAtComponents(definition) as JsonSchema);
    return pointAtComponents(root) as JsonSchema;
  }

  private addComponent(id: string, io: Io, definition: JsonSchema): void {
    // zod names a recursive schema without an id `__schema0`, per conversion: two different ones would collide.
    if (id.startsWith('__')) throw new Error(RECURSIVE_WITHOUT_ID);
    const previous = this.components[id];
    if (previous && JSON.stringify(previous) !== JSON.stringify(definition)) {
      throw new Error(`OpenAPI: the schema ${id} reads differently as ${io} than elsewhere; give each its own id`);
    }
    this.components[id] = definition;
  }
}

/** Drops what zod writes for its own checks but a reader does not need, and one claim the API does not make. */
function tidy(schema: z.core.$ZodType, json: JsonSchema, io: Io): void {
  // A response object may gain fields in a later version: clients must not be told to refuse unknown ones. (zod
  // writes `false` because its default object drops unknown keys when it parses; requests keep what zod says.)
  const def = schema._zod.def;
  if (io === 'output' && def.type === 'object' && !('catchall' in def && def.catchall))
    delete json.additionalProperties;
  // Every JSON object key is a string.
  if (isPlainString(json.propertyNames)) delete json.propertyNames;
  if (json.type === 'integer') {
    if (json.minimum === SAFE_INTEGER_BOUNDS.minimum) delete json.minimum;
    if (json.maximum === SAFE_INTEGER_BOUNDS.maximum) delete json.maximum;
  }
  // A `format` (date-time, uuid, email, ...) names the rule; zod adds its regex for it, which only repeats it.
  if (typeof json.format === 'string' && typeof json.pattern === 'string') delete json.pattern;
}

function isPlainString(value: unknown): boolean {
  return typeof value === 'object' && value !== null && JSON.stringify(value) === '{"type":"string"}';
}

/**
 * zod's `#/$defs/X` references, pointed at `#/components/schemas/X`. zod writes `#` for a schema that contains
 * itself: in an OpenAPI document that would point at the document's root.
 */
function pointAtComponents(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(pointAtComponents);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, inner]) => {
      if (key !== '$ref') return [key, pointAtComponents(inner)];
      if (typeof inner !== 'string' || !inner.startsWith(DEF_PREFIX)) throw new Error(RECURSIVE_WITHOUT_ID);
      return [key, COMPONENT_PREFIX + inner.slice(DEF_PREFIX.length)];
    }),
  );
}

/** Path and query parameters from a zod object: one parameter per field. */
function parametersOf(converter: SchemaConverter, schema: z.core.$ZodObject, location: 'path' | 'query') {
  const object = converter.convert(schema, 'input') as { properties?: Record<string, JsonSchema>; required?: string[] };
  return Object.entries(object.properties ?? {}).map(([name, property]) => ({
    name,
    in: location,
    required: location === 'path' || (object.required ?? []).includes(name),
    ...(typeof property.description === 'string' ? { description: property.description } : {}),
    schema: property,
  }));
}

const PROBLEM = 'application/problem+json';

const problemOf = (converter: SchemaConverter, description: string, headers?: Record<string, unknown>) => ({
  description,
  content: { [PROBLEM]: { schema: converter.convert(ProblemSchema, 'output') } },
  ...(headers ? { headers } : {}),
});

const integerHeader = (description: string) => ({ description, schema: { type: 'integer' } });

const RATE_LIMIT_HEADERS = {
  'RateLimit-Limit': integerHeader('Requests allowed in the current window for this plan and route class'),
  'RateLimit-Remaining': integerHeader('Requests left in the current window'),
  'RateLimit-Reset': integerHeader('Seconds until the window resets'),
};

function responseOf(converter: SchemaConverter, doc: ResponseDoc) {
  const { schema } = doc;
  if (!schema) return { description: doc.description };
  const types = typeof doc.contentType === 'string' ? [doc.contentType] : (doc.contentType ?? ['application/json']);
  return {
    description: doc.description,
    content: Object.fromEntries(types.map((type) => [type, { schema: converter.convert(schema, 'output') }])),
  };
}

function commonProblems(converter: SchemaConverter, route: RouteSpec, doc: RouteDoc): Record<number, unknown> {
  const problem = (description: string, headers?: Record<string, unknown>) =>
    problemOf(converter, description, headers);
  const problems: Record<number, unknown> = {};
  if (doc.params || doc.query || doc.body)
    problems[400] = problem('Invalid input: `errors` names every offending field');
  switch (route.auth.kind) {
    case 'jwt':
      problems[401] = problem('Missing, invalid or expired access token');
      problems[403] = problem(`The token lacks the scope (${route.auth.scopes.join(' or ')})`);
      problems[429] = problem(`Per-plan limit reached (rate class ${rateClassOf(route)}, or the monthly chat tokens)`, {
        'Retry-After': integerHeader('Seconds to wait'),
        ...RATE_LIMIT_HEADERS,
      });
      break;
    case 'public':
      problems[429] = problem('Too many requests from this address', {
        'Retry-After': integerHeader('Seconds to wait'),
      });
      break;
    case 'stripe-signature':
      problems[400] = problem('Invalid signature or payload');
      break;
  }
  problems[500] = problem('Unexpected error (details are logged, never returned)');
  return problems;
}

function operationOf(converter: SchemaConverter, id: string, route: RouteSpec, doc: RouteDoc) {
  const responses: Record<number, unknown> = { ...commonProblems(converter, route, doc) };
  for (const [status, response] of Object.entries(doc.responses)) {
    const rendered = responseOf(converter, response);
    const success = Number(status) < 300;
    responses[Number(status)] =
      success && route.auth.kind === 'jwt' ? { ...rendered, headers: RATE_LIMIT_HEADERS } : rendered;
  }
  const authNote =
    route.auth.kind === 'jwt'
      ? `Requires a bearer access token with the scope ${route.auth.scopes.join(' or ')}.`
      : `No token: ${route.auth.reason}`;
  const parameters = [
    ...(doc.params ? parametersOf(converter, doc.params, 'path') : []),
    ...(doc.query ? parametersOf(converter, doc.query, 'query') : []),
  ];
  return {
    operationId: id,
    summary: route.summary,
    description: [doc.description, authNote].filter(Boolean).join('\n\n'),
    tags: doc.tags,
    security: route.auth.kind === 'jwt' ? [{ bearerAuth: [...route.auth.scopes] }] : [],
    'x-toolgate-tier': route.tier,
    ...(route.tier === 'api' ? { 'x-toolgate-rate-class': rateClassOf(route) } : {}),
    ...(parameters.length > 0 ? { parameters } : {}),
    ...(doc.body
      ? {
          requestBody: {
            required: doc.bodyRequired ?? true,
            content: { 'application/json': { schema: converter.convert(doc.body, 'input') } },
          },
        }
      : {}),
    responses,
  };
}

export interface OpenApiOptions {
  version?: string;
  /** The manifest and its docs; tests substitute them. */
  routes?: Readonly<Record<string, RouteSpec>>;
  docs?: Readonly<Partial<Record<string, RouteDoc>>>;
}

/** Builds the document; throws if any manifest route has no documentation (a test builds it on every run). */
export function buildOpenApiDocument(options: OpenApiOptions = {}) {
  const entries = options.routes ?? (routes as Readonly<Record<string, RouteSpec>>);
  const docs = options.docs ?? (routeDocs as Readonly<Partial<Record<string, RouteDoc>>>);
  const missing = Object.entries(entries).filter(([id]) => !docs[id]);
  if (missing.length > 0) {
    throw new Error(
      `OpenAPI: no documentation for ${missing.map(([id, r]) => `${id} (${r.method} ${r.path})`).join(', ')}`,
    );
  }
  const converter = new SchemaConverter();
  const paths: Record<string, Record<string, unknown>> = {};
  for (const [id, route] of Object.entries(entries)) {
    paths[route.path] ??= {};
    paths[route.path]![route.method.toLowerCase()] = operationOf(converter, id, route, docs[id] as RouteDoc);
  }

  return {
    openapi: '3.1.0',
    info: {
      title: 'toolgate',
      version: options.version ?? '0.1.0',
      description:
        'Chat, tools (REST and MCP), documents and long-running inference behind one gateway. Every authenticated ' +
        'route re-verifies the bearer token in its Lambda and is limited per plan; see RateLimit-* headers.',
    },
    tags: [
      { name: 'chat', description: 'The agent: POST /chat and conversations' },
      { name: 'tools', description: 'Tools over REST' },
      { name: 'mcp', description: 'The same tools over MCP Streamable HTTP' },
      { name: 'jobs', description: 'Long-running agent jobs: submit, then poll' },
      { name: 'catalog', description: 'The public product catalog' },
      { name: 'account', description: "The caller's own account" },
      { name: 'billing', description: 'Stripe webhooks' },
      { name: 'meta', description: 'Health and documentation' },
    ],
    components: {
      securitySchemes: {
        bearerAuth: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'JWT',
          description: `An OAuth 2.0 access token from the user pool. Scopes: ${Object.entries(SCOPE_DESCRIPTIONS)
            .map(([name, text]) => `toolgate/${name} (${text})`)
            .join('; ')}.`,
        },
      },
      schemas: converter.components,
    },
    paths,
  };
}

/** The committed `openapi.json`: the document, two-space indented, with a final newline. */
export function renderOpenApiJson(document: object): string {
  return `${JSON.stringify(document, null, 2)}\n`;
}
