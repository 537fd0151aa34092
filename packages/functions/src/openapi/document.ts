import { OpenAPIHono } from '@hono/zod-openapi';
import { rateClassOf } from '@toolgate/core/limits/classes';
import { type RouteSpec, routes } from '@toolgate/core/manifest';
import { type ResponseDoc, type RouteDoc, routeDocs } from '@toolgate/core/openapi/index';
import { ProblemSchema } from '@toolgate/core/openapi/schemas';
import { SCOPE_DESCRIPTIONS } from '@toolgate/core/scopes';

/**
 * The OpenAPI 3.1 document, generated from the manifest (every route, its auth, its rate class) and the same zod
 * schemas the handlers validate with. No tier imports this module: `pnpm docs:openapi` runs it at build time and
 * writes `openapi.json` next to it, which the public tier serves (the generator keeps all of zod and
 * @hono/zod-openapi in a bundle, even lazily imported). A test fails when the committed JSON is stale.
 */

type RegisterPath = OpenAPIHono['openAPIRegistry']['registerPath'];
type RouteConfig = Parameters<RegisterPath>[0];

const PROBLEM = 'application/problem+json';

const problem = (description: string, headers?: Record<string, unknown>) => ({
  description,
  content: { [PROBLEM]: { schema: ProblemSchema } },
  ...(headers ? { headers } : {}),
});

const integerHeader = (description: string) => ({ description, schema: { type: 'integer' } });

const RATE_LIMIT_HEADERS = {
  'RateLimit-Limit': integerHeader('Requests allowed in the current window for this plan and route class'),
  'RateLimit-Remaining': integerHeader('Requests left in the current window'),
  'RateLimit-Reset': integerHeader('Seconds until the window resets'),
};

function responseOf(doc: ResponseDoc) {
  return {
    description: doc.description,
    ...(doc.schema ? { content: { [doc.contentType ?? 'application/json']: { schema: doc.schema } } } : {}),
  };
}

function commonProblems(route: RouteSpec, doc: RouteDoc): Record<number, unknown> {
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

function operationOf(id: string, route: RouteSpec, doc: RouteDoc): RouteConfig {
  const responses: Record<number, unknown> = { ...commonProblems(route, doc) };
  for (const [status, response] of Object.entries(doc.responses)) {
    const rendered = responseOf(response);
    const success = Number(status) < 300;
    responses[Number(status)] =
      success && route.auth.kind === 'jwt' ? { ...rendered, headers: RATE_LIMIT_HEADERS } : rendered;
  }
  const authNote =
    route.auth.kind === 'jwt'
      ? `Requires a bearer access token with the scope ${route.auth.scopes.join(' or ')}.`
      : `No token: ${route.auth.reason}`;
  return {
    method: route.method.toLowerCase() as RouteConfig['method'],
    path: route.path,
    operationId: id,
    summary: route.summary,
    description: [doc.description, authNote].filter(Boolean).join('\n\n'),
    tags: doc.tags,
    security: route.auth.kind === 'jwt' ? [{ bearerAuth: [...route.auth.scopes] }] : [],
    'x-toolgate-tier': route.tier,
    ...(route.tier === 'api' ? { 'x-toolgate-rate-class': rateClassOf(route) } : {}),
    request: {
      ...(doc.params ? { params: doc.params } : {}),
      ...(doc.query ? { query: doc.query } : {}),
      ...(doc.body
        ? { body: { required: doc.bodyRequired ?? true, content: { 'application/json': { schema: doc.body } } } }
        : {}),
    },
    responses,
  } as RouteConfig;
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
  const generator = new OpenAPIHono();
  const registry = generator.openAPIRegistry;
  registry.registerComponent('securitySchemes', 'bearerAuth', {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'JWT',
    description: `An OAuth 2.0 access token from the user pool. Scopes: ${Object.entries(SCOPE_DESCRIPTIONS)
      .map(([name, text]) => `toolgate/${name} (${text})`)
      .join('; ')}.`,
  });

  const missing = Object.entries(entries).filter(([id]) => !docs[id]);
  if (missing.length > 0) {
    throw new Error(
      `OpenAPI: no documentation for ${missing.map(([id, r]) => `${id} (${r.method} ${r.path})`).join(', ')}`,
    );
  }
  for (const [id, route] of Object.entries(entries))
    registry.registerPath(operationOf(id, route, docs[id] as RouteDoc));

  return generator.getOpenAPI31Document({
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
  });
}

/** The committed `openapi.json`: the document, two-space indented, with a final newline. */
export function renderOpenApiJson(document: object): string {
  return `${JSON.stringify(document, null, 2)}\n`;
}
