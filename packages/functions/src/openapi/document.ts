import { rateClassOf } from '@toolgate/core/limits/classes';
import { type RouteSpec, routes } from '@toolgate/core/manifest';
import { GATEWAY_ANSWERS, type GatewayAnswer } from '@toolgate/core/openapi/gateway';
import { type ResponseDoc, type RouteDoc, routeDocs } from '@toolgate/core/openapi/index';
import { ProblemSchema } from '@toolgate/core/openapi/schemas';
import { SCOPE_DESCRIPTIONS, SCOPE_NAMES, scope } from '@toolgate/core/scopes';
import * as z from '@toolgate/core/zod';

/**
 * The OpenAPI 3.1 document, generated from the manifest (every route, its auth, its rate class) and the same zod
 * schemas the handlers validate with. No tier imports this module: `pnpm docs:openapi` runs it at build time and
 * writes `openapi.json` next to it, which the public tier serves (converting every schema at a cold start would cost
 * more than reading the file). A test fails when the committed JSON is stale.
 *
 * Schemas are converted by zod's own `toJSONSchema` (OpenAPI 3.1 uses JSON Schema 2020-12), the converter that
 * also gives the tools' schemas to MCP clients and models: one zod, one conversion, for every consumer.
 *
 * Longer than 300 lines on purpose: one build-time generator whose parts (schema conversion, responses, operations,
 * security schemes) all write through one converter's component table; no tier bundles it.
 */

type JsonSchema = { [key: string]: unknown };
type Io = 'input' | 'output';

const COMPONENT_PREFIX = '#/components/schemas/';
/**
 * OpenAPI asks for a licence. No LICENSE file is committed yet: MIT, the usual choice for a forkable template, is
 * stated until the owners decide; change it here when the LICENSE file is added.
 */
const API_LICENSE = { name: 'MIT', identifier: 'MIT' };
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
  // zod's regex for a `format` stays: it is the rule the server applies, often stricter than the format (a uuid of
  // version 1-8 with the RFC variant; a date-time in UTC), and a client generated from `format` alone would send
  // values the server refuses.
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

/** Path, query and header parameters from a zod object: one parameter per field. */
function parametersOf(converter: SchemaConverter, schema: z.core.$ZodObject, location: 'path' | 'query' | 'header') {
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

interface ResponseObject {
  description: string;
  content?: Record<string, { schema: JsonSchema }>;
  headers?: Record<string, unknown>;
}

/**
 * Two answers with one status (API Gateway's own and the function's, or two of the function's) become one response
 * with each media type: a status is one key in OpenAPI, and a client tells the answers apart by Content-Type.
 */
function merge(into: ResponseObject | undefined, add: ResponseObject): ResponseObject {
  if (!into) return add;
  const content = { ...into.content };
  for (const [mediaType, media] of Object.entries(add.content ?? {})) {
    const existing = content[mediaType];
    content[mediaType] =
      existing && JSON.stringify(existing) !== JSON.stringify(media)
        ? { schema: { anyOf: [existing.schema, media.schema] } }
        : media;
  }
  const headers = { ...into.headers, ...add.headers };
  return {
    description: `${into.description}\n\n${add.description}`,
    ...(Object.keys(content).length > 0 ? { content } : {}),
    ...(Object.keys(headers).length > 0 ? { headers } : {}),
  };
}

const problemOf = (converter: SchemaConverter, description: string, headers?: Record<string, unknown>) => ({
  description,
  content: { [PROBLEM]: { schema: converter.convert(ProblemSchema, 'output') } },
  ...(headers ? { headers } : {}),
});

/** API Gateway's own answer: exactly `{"message":"..."}`, as application/json; its schema is one component. */
const gatewayResponseOf = (answer: GatewayAnswer): ResponseObject => ({
  description: `From API Gateway, as \`{"message":"${answer.message}"}\`: ${answer.when}.`,
  content: { 'application/json': { schema: { $ref: `${COMPONENT_PREFIX}${gatewaySchemaName(answer)}` } } },
});

const gatewaySchemaName = (answer: GatewayAnswer) => `GatewayMessage${answer.status}`;

const gatewaySchemas = () =>
  Object.fromEntries(
    GATEWAY_ANSWERS.map((answer) => [
      gatewaySchemaName(answer),
      {
        type: 'object',
        description: "API Gateway's own answer",
        properties: { message: { type: 'string', const: answer.message } },
        required: ['message'],
      },
    ]),
  );

const gatewayResponseName = (answer: GatewayAnswer) => `Gateway${answer.status}`;

const integerHeader = (description: string) => ({ description, schema: { type: 'integer' } });

const RATE_LIMIT_HEADERS = {
  'RateLimit-Limit': integerHeader('Requests allowed in the current window for this plan and route class'),
  'RateLimit-Remaining': integerHeader('Requests left in the current window'),
  'RateLimit-Reset': integerHeader('Seconds until the window resets'),
};

function responseOf(converter: SchemaConverter, doc: ResponseDoc): ResponseObject {
  const headers = Object.entries(doc.headers ?? {}).map(([name, description]) => [
    name,
    { description, schema: { type: 'string' } },
  ]);
  const { schema } = doc;
  const types = typeof doc.contentType === 'string' ? [doc.contentType] : (doc.contentType ?? ['application/json']);
  const content = [
    ...(schema ? types.map((type) => [type, { schema: converter.convert(schema, 'output') }] as const) : []),
    ...(doc.variants ?? []).map(
      (variant) => [variant.contentType, { schema: converter.convert(variant.schema, 'output') }] as const,
    ),
  ];
  return {
    description: doc.description,
    ...(headers.length > 0 ? { headers: Object.fromEntries(headers) } : {}),
    ...(content.length > 0 ? { content: Object.fromEntries(content) } : {}),
  };
}

/** The function's own error answers every route of this auth kind has (Problem objects, from the one onError). */
function commonProblems(converter: SchemaConverter, route: RouteSpec, doc: RouteDoc): Record<number, ResponseObject> {
  const problem = (description: string, headers?: Record<string, unknown>) =>
    problemOf(converter, description, headers);
  const problems: Record<number, ResponseObject> = {};
  if ((doc.params || doc.query || doc.body || doc.headers) && doc.inputProblems !== false)
    problems[400] = problem('Invalid input: `errors` names every offending field');
  switch (route.auth.kind) {
    case 'jwt':
      problems[401] = problem('From the function, which verifies the token again: refused');
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
  if (doc.maxBodyBytes !== undefined)
    problems[413] = problem(`The body is larger than ${doc.maxBodyBytes / 1024} KB; send large content as an upload`);
  problems[500] = problem('Unexpected error (details are logged, never returned)');
  const retry = { 'Retry-After': integerHeader('Seconds to wait') };
  problems[503] = problem('A dependency (table, bucket, queue, workflow or model) is unavailable; retry later', retry);
  problems[504] = problem('A dependency did not answer in time; retry later', retry);
  return problems;
}

function gatewayAnswersFor(route: RouteSpec): GatewayAnswer[] {
  return GATEWAY_ANSWERS.filter(
    (answer) => answer.on.includes('every-route') || (answer.on.includes('jwt-routes') && route.auth.kind === 'jwt'),
  );
}

function operationOf(converter: SchemaConverter, id: string, route: RouteSpec, doc: RouteDoc) {
  let responses: Record<number, ResponseObject> = {};
  for (const answer of gatewayAnswersFor(route)) responses[answer.status] = gatewayResponseOf(answer);
  const add = (status: number, response: ResponseObject) => {
    responses[status] = merge(responses[status], response);
  };
  // A route that names its own answer for a status the common problems also cover says what is true there.
  const own = new Set(Object.keys(doc.responses).map(Number));
  for (const [status, problem] of Object.entries(commonProblems(converter, route, doc)))
    if (!own.has(Number(status))) add(Number(status), problem);
  for (const [status, response] of Object.entries(doc.responses)) {
    const rendered = responseOf(converter, response);
    const success = Number(status) < 300;
    add(
      Number(status),
      success && route.auth.kind === 'jwt'
        ? { ...rendered, headers: { ...rendered.headers, ...RATE_LIMIT_HEADERS } }
        : rendered,
    );
  }
  responses = Object.fromEntries(Object.entries(responses).sort(([a], [b]) => Number(a) - Number(b)));
  const authNote =
    route.auth.kind === 'jwt'
      ? `Requires a bearer access token with the scope ${route.auth.scopes.join(' or ')}.`
      : `No token: ${route.auth.reason}`;
  const parameters = [
    ...(doc.params ? parametersOf(converter, doc.params, 'path') : []),
    ...(doc.query ? parametersOf(converter, doc.query, 'query') : []),
    ...(doc.headers ? parametersOf(converter, doc.headers, 'header') : []),
  ];
  const body = doc.body ? converter.convert(doc.body, 'input') : undefined;
  return {
    operationId: id,
    summary: route.summary,
    description: [doc.description, authNote].filter(Boolean).join('\n\n'),
    tags: doc.tags,
    security: route.auth.kind === 'jwt' ? [{ [SECURITY_SCHEME]: [...route.auth.scopes] }] : [],
    'x-toolgate-tier': route.tier,
    ...(route.tier === 'api' ? { 'x-toolgate-rate-class': rateClassOf(route) } : {}),
    ...(parameters.length > 0 ? { parameters } : {}),
    ...(body
      ? {
          requestBody: {
            required: doc.bodyRequired ?? true,
            ...(doc.maxBodyBytes !== undefined
              ? { description: `At most ${doc.maxBodyBytes} bytes of JSON (UTF-8); a larger body is a 413.` }
              : {}),
            content: {
              [doc.bodyContentType ?? 'application/json']: {
                schema: body,
                ...(doc.maxBodyBytes !== undefined ? { 'x-toolgate-max-bytes': doc.maxBodyBytes } : {}),
              },
            },
          },
        }
      : {}),
    responses,
  };
}

/** The scheme every jwt route names, with the scopes it accepts. */
export const SECURITY_SCHEME = 'oauth2';

/**
 * Tokens come from the stage's Cognito user pool (its login domain is the `loginDomain` stack output): the
 * authorization-code flow for people, client credentials for machines. The URLs name a stage's domain by its
 * default prefix; a fork's stage has its own.
 */
function securitySchemes() {
  const scopes = Object.fromEntries(SCOPE_NAMES.map((name) => [scope(name), SCOPE_DESCRIPTIONS[name]]));
  const domain = 'https://toolgate-prod-123456789012.auth.us-east-1.amazoncognito.com';
  return {
    [SECURITY_SCHEME]: {
      type: 'oauth2',
      description:
        'A JWT access token from the user pool, sent as `Authorization: Bearer <token>`. API Gateway checks it ' +
        'and its scopes, and every function verifies it again. Locally, `pnpm token` mints one. The URLs are ' +
        "those of a stage's Cognito login domain (stack output `loginDomain`).",
      flows: {
        authorizationCode: {
          authorizationUrl: `${domain}/oauth2/authorize`,
          tokenUrl: `${domain}/oauth2/token`,
          refreshUrl: `${domain}/oauth2/token`,
          scopes,
        },
        clientCredentials: { tokenUrl: `${domain}/oauth2/token`, scopes },
      },
    },
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
  const noRoute = GATEWAY_ANSWERS.filter((answer) => answer.on.includes('no-route'));
  if (noRoute.length === 0) throw new Error('OpenAPI: GATEWAY_ANSWERS has no answer for an unmatched route');
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
        'route re-verifies the bearer token in its Lambda and is limited per plan; see RateLimit-* headers. Errors ' +
        'from the functions are `application/problem+json` Problem objects; API Gateway answers some requests by ' +
        'itself (no route, no valid token, throttled, too large, the function failing or too slow) with ' +
        '`application/json` `{"message":"..."}`.',
      license: API_LICENSE,
    },
    servers: [
      {
        url: 'https://{apiId}.execute-api.{region}.amazonaws.com',
        description: 'A deployed stage: its URL is the `api` stack output of `sst deploy`',
        variables: {
          apiId: { default: 'abcdef1234', description: 'The HTTP API id' },
          region: { default: 'us-east-1', description: 'The AWS region of the stage' },
        },
      },
      { url: 'http://localhost:3000', description: 'The local runtime (`pnpm dev`)' },
    ],
    tags: [
      { name: 'chat', description: 'The agent: POST /chat and conversations' },
      { name: 'tools', description: 'Tools over REST' },
      { name: 'mcp', description: 'The same tools over MCP Streamable HTTP' },
      { name: 'jobs', description: 'Long-running agent jobs: submit, then poll' },
      { name: 'documents', description: 'Uploads by presigned POST, ingestion, and the ready documents' },
      { name: 'catalog', description: 'The public product catalog' },
      { name: 'account', description: "The caller's own account" },
      { name: 'billing', description: 'Stripe webhooks' },
      { name: 'meta', description: 'Health and documentation' },
    ],
    components: {
      securitySchemes: securitySchemes(),
      // No operation can describe a request that matches no route: the gateway's answers to one are described here,
      // and listed by status in `x-toolgate-no-route`.
      responses: Object.fromEntries(noRoute.map((answer) => [gatewayResponseName(answer), gatewayResponseOf(answer)])),
      schemas: { ...gatewaySchemas(), ...converter.components },
    },
    paths,
    'x-toolgate-no-route': Object.fromEntries(
      noRoute.map((answer) => [answer.status, { $ref: `#/components/responses/${gatewayResponseName(answer)}` }]),
    ),
  };
}

/** The committed `openapi.json`: the document, two-space indented, with a final newline. */
export function renderOpenApiJson(document: object): string {
  return `${JSON.stringify(document, null, 2)}\n`;
}
