import { createHmac } from 'node:crypto';
import http from 'node:http';
import { LOCAL_STRIPE_WEBHOOK_SECRET } from '@toolgate/core/config-reader';
import type { RouteSpec } from '@toolgate/core/manifest';
import { GATEWAY_MESSAGES } from '@toolgate/local/gateway/responses';
import fc from 'fast-check';

/**
 * Request generators and response invariants for fuzzing every route through the local gateway (issue 9). The
 * shapes come from the OpenAPI document (itself generated from the same zod schemas the handlers validate with):
 * each case mixes well-typed values, which get past validation into the handlers, with adversarial ones.
 */

type Schema = Record<string, unknown>;
export interface OpenApiOperation {
  parameters?: { in: string; name: string; schema?: Schema }[];
  requestBody?: { content?: Record<string, { schema?: Schema }> };
}
export interface OpenApiDocument {
  paths: Record<string, Record<string, OpenApiOperation>>;
  components?: { schemas?: Record<string, Schema> };
}

/** Strings that have broken parsers, key builders, loggers and templates somewhere. */
export const NASTY_STRINGS = [
  '',
  ' ',
  '\u0000',
  '\u202e\u0041',
  '💥🧨',
  '\ud800',
  '../../etc/passwd',
  '..',
  '%00',
  '%2e%2e%2f',
  '<script>alert(1)</script>',
  "' OR 1=1 --",
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a log4shell-style lookup string, sent as data on purpose
  '${jndi:ldap://127.0.0.1/x}',
  '{{7*7}}',
  '__proto__',
  'constructor',
  'prototype',
  'NaN',
  '-1',
  '1e309',
  '0x1F',
  '9007199254740993',
  'true',
  'null',
  '{}',
  '[]',
  'USER#someone-else',
  'LIMIT#REQ#standard#0',
  'a'.repeat(300),
  'gpu-l4-hour',
  'evt_1',
  '00000000-0000-0000-0000-000000000000',
];

const nastyString = fc.oneof(
  fc.constantFrom(...NASTY_STRINGS),
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 20 }),
);

/** Any JSON value, with the ones that break naive code over-represented. */
export const nastyValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: nastyString },
  {
    weight: 2,
    arbitrary: fc.constantFrom<unknown>(null, true, false, 0, -0, -1, 1.5, 1e308, -1e308, 2 ** 53 + 2, [], {}, ['a']),
  },
  { weight: 1, arbitrary: fc.integer() },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
);

function resolve(schema: Schema | undefined, doc: OpenApiDocument): Schema | undefined {
  let current = schema;
  for (let hops = 0; current && typeof current.$ref === 'string' && hops < 10; hops++) {
    const name = current.$ref.split('/').at(-1) ?? '';
    current = doc.components?.schemas?.[name];
  }
  return current;
}

/** A value for a JSON Schema: usually of the declared shape (often at or just past its bounds), sometimes not. */
export function valueFor(raw: Schema | undefined, doc: OpenApiDocument, depth = 0): fc.Arbitrary<unknown> {
  const schema = resolve(raw, doc);
  if (!schema || depth > 5) return nastyValue;
  return fc.oneof({ weight: 8, arbitrary: typedValue(schema, doc, depth) }, { weight: 1, arbitrary: nastyValue });
}

function typedValue(schema: Schema, doc: OpenApiDocument, depth: number): fc.Arbitrary<unknown> {
  if (schema.const !== undefined) return fc.constant(schema.const);
  if (Array.isArray(schema.enum) && schema.enum.length > 0) return fc.constantFrom(...(schema.enum as unknown[]));
  const variants = (schema.anyOf ?? schema.oneOf ?? schema.allOf) as Schema[] | undefined;
  if (Array.isArray(variants) && variants.length > 0)
    return fc.oneof(...variants.map((v) => valueFor(v, doc, depth + 1)));
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  const num = (value: unknown, fallback: number) => (typeof value === 'number' ? value : fallback);
  switch (type) {
    case 'object': {
      const properties = (schema.properties ?? {}) as Record<string, Schema>;
      const required = ((schema.required ?? []) as string[]).filter((key) => key in properties);
      const model = Object.fromEntries(
        Object.entries(properties).map(([key, value]) => [key, valueFor(value, doc, depth + 1)]),
      );
      const declared = fc.record(model, { requiredKeys: required });
      const extra = fc.dictionary(fc.oneof(nastyString, fc.constantFrom('__proto__', 'constructor')), nastyValue, {
        maxKeys: 3,
      });
      return fc.oneof(
        { weight: 4, arbitrary: declared },
        { weight: 1, arbitrary: fc.tuple(declared, extra).map(([a, b]) => ({ ...b, ...a })) },
      );
    }
    case 'array': {
      const items = valueFor(schema.items as Schema | undefined, doc, depth + 1);
      return fc.array(items, { maxLength: Math.min(num(schema.maxItems, 4) + 1, 12) });
    }
    case 'string': {
      if (schema.format === 'uuid') return fc.uuid();
      if (schema.format === 'date-time') return fc.date({ noInvalidDate: true }).map((date) => date.toISOString());
      const max = num(schema.maxLength, 60);
      const min = num(schema.minLength, 0);
      const arbitraries: fc.WeightedArbitrary<unknown>[] = [
        { weight: 4, arbitrary: fc.string({ minLength: Math.max(0, min - 1), maxLength: Math.min(max + 1, 200) }) },
        { weight: 4, arbitrary: fc.string({ unit: 'grapheme', minLength: min, maxLength: Math.min(max, 50) }) },
      ];
      // One character past the limit, when that is small enough to send.
      if (max < 100_000) arbitraries.push({ weight: 1, arbitrary: fc.constant('x'.repeat(max + 1)) });
      return fc.oneof(...arbitraries);
    }
    case 'integer':
      return fc.integer({ min: num(schema.minimum, -1_000) - 1, max: num(schema.maximum, 1_000_000) + 1 });
    case 'number':
      return fc.double({ noNaN: true, noDefaultInfinity: true });
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    default:
      return nastyValue;
  }
}

/** A known-good value with at most one field (at any depth) replaced by a nasty value or removed. */
export function mutated(example: unknown): fc.Arbitrary<unknown> {
  const paths: (string | number)[][] = [];
  const walk = (value: unknown, path: (string | number)[]) => {
    if (path.length > 0) paths.push(path);
    if (Array.isArray(value)) {
      for (const [index, item] of value.entries()) walk(item, [...path, index]);
    } else if (value && typeof value === 'object') {
      for (const [key, item] of Object.entries(value)) walk(item, [...path, key]);
    }
  };
  walk(example, []);
  if (paths.length === 0) return fc.oneof(fc.constant(example), nastyValue);
  const replaceAt = (path: (string | number)[], replacement: unknown, remove: boolean) => {
    const copy = structuredClone(example) as Record<string | number, unknown>;
    let parent: Record<string | number, unknown> = copy;
    for (const key of path.slice(0, -1)) parent = parent[key] as Record<string | number, unknown>;
    const last = path.at(-1) as string | number;
    if (remove && !Array.isArray(parent)) delete parent[last];
    else parent[last] = replacement;
    return copy;
  };
  return fc.oneof(
    { weight: 2, arbitrary: fc.constant(example) },
    {
      weight: 5,
      arbitrary: fc
        .tuple(fc.constantFrom(...paths), nastyValue, fc.integer({ min: 0, max: 9 }))
        .map(([path, value, dice]) => replaceAt(path, value, dice < 3)),
    },
  );
}

export interface FuzzRequest {
  method: string;
  path: string;
  headers: [string, string][];
  body: Buffer | null;
  /** How the request authenticates: the generated case decides, the runner supplies the secrets. */
  auth: AuthVariant;
  /** Webhook cases: sign the body with the real secret, or send this header as the signature. */
  stripeSignature: 'valid' | 'stale' | string | null;
}

export type AuthVariant = 'valid' | 'none' | 'garbage' | 'wrong-scope' | 'expired' | 'id-token' | 'basic';

const CONTENT_TYPES = [
  'application/json',
  'application/json; charset=utf-8',
  'APPLICATION/JSON',
  'application/problem+json',
  'application/vnd.api+json',
  'application/json; charset=utf-16',
  'text/plain',
  'text/html',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=xyz',
  'application/octet-stream',
  'application/json;;;',
  ';',
];

/** Header values Node will put on the wire (no CR, LF or NUL; visible ASCII). */
const headerValue = fc.oneof(
  fc.constantFrom('', 'gzip', 'br', 'identity', '*/*', '"etag"', 'W/"x"', 'null', 'a'.repeat(2_000)),
  fc.stringMatching(/^[\x21-\x7e][\x20-\x7e]{0,60}$/),
);
const headerName = fc.oneof(
  fc.constantFrom(
    'content-encoding',
    'accept',
    'accept-encoding',
    'if-none-match',
    'idempotency-key',
    'origin',
    'x-forwarded-for',
    'cookie',
    'x-amzn-trace-id',
    'mcp-session-id',
    'mcp-protocol-version',
    'range',
    'x-http-method-override',
  ),
  fc.stringMatching(/^[a-z][a-z0-9-]{0,24}$/),
);

/**
 * Cursors as an attacker edits them (issue 20.3): the unsigned base64url JSON of before with keys of every shape
 * (numbers, missing or extra attributes, other partitions), the signed format with a made-up signature, and noise.
 */
const cursorKeyValue = fc.oneof(fc.string({ maxLength: 30 }), fc.integer(), fc.constantFrom('', 'CATALOG', 'JOBS#x'));
const cursorKey = fc.oneof(
  fc.dictionary(fc.constantFrom('pk', 'sk', 'gsi1pk', 'gsi1sk', 'x'), cursorKeyValue),
  fc.record({ pk: cursorKeyValue, sk: cursorKeyValue, gsi1pk: cursorKeyValue, gsi1sk: cursorKeyValue }),
);
const cursorJson = fc
  .record({ s: fc.constantFrom('catalog||', 'catalog|models|', 'jobs|x', 'documents|x', ''), k: cursorKey })
  .map((value) => Buffer.from(JSON.stringify(value)).toString('base64url'));
export const forgedCursor: fc.Arbitrary<string> = fc.oneof(
  cursorJson,
  fc
    .tuple(cursorJson, fc.uint8Array({ minLength: 0, maxLength: 40 }))
    .map(([payload, mac]) => `v1.${payload}.${Buffer.from(mac).toString('base64url')}`),
  fc.constantFrom('v1..', 'v1.e30.', 'v2.e30.AAAA', '.', 'null', 'eyJzIjoiY2F0YWxvZ3x8IiwiayI6eyJwayI6MX19'),
);

/** MCP protocol versions: every one the SDK knows (with and without batching), unknown ones and junk. */
const mcpProtocolVersion = fc.constantFrom(
  '2024-11-05',
  '2025-03-26',
  '2025-06-18',
  '2025-11-25',
  '2099-01-01',
  'x',
  '',
);

/** Idempotency-Key values: UUIDs, a few reused across cases (replays with other bodies), edge lengths and junk. */
const idempotencyKey = fc.oneof(
  fc.uuid(),
  fc.constantFrom('fuzz-replay-1', 'fuzz-replay-2', 'k', 'a'.repeat(255), 'a'.repeat(256), 'a'.repeat(4_000), '"q"'),
  fc.stringMatching(/^[\x21-\x7e][\x20-\x7e]{0,80}$/),
);

/** A generated value as text: JSON.stringify, never String() (generated objects may have no prototype). */
export const asText = (value: unknown): string =>
  typeof value === 'string' ? value : (JSON.stringify(value) ?? 'undefined');

/** Percent-encodes UTF-8 bytes (lone surrogates become U+FFFD, as a UTF-8 client would send them). */
export function percentEncode(value: string): string {
  let out = '';
  for (const byte of Buffer.from(value, 'utf8')) {
    const char = String.fromCharCode(byte);
    out += /[A-Za-z0-9\-_.~]/.test(char) ? char : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** A path segment as a client could send it: percent-encoded, raw, or invalid encoding. */
const segment = (typed: fc.Arbitrary<unknown>) =>
  fc.oneof(
    { weight: 3, arbitrary: typed.map((value) => percentEncode(asText(value))) },
    { weight: 1, arbitrary: nastyString.map((value) => percentEncode(value)) },
    {
      weight: 1,
      arbitrary: fc.constantFrom('%', '%ZZ', '%C3%28', '%E0%80%80', '%2F', '..', '%252F', 'x'.repeat(3_000)),
    },
  );

function bodyBytes(json: fc.Arbitrary<unknown>): fc.Arbitrary<Buffer | null> {
  const text = json.map((value) => JSON.stringify(value) ?? 'null');
  return fc.oneof(
    { weight: 8, arbitrary: text.map((value) => Buffer.from(value)) },
    // Truncated or extended JSON.
    {
      weight: 1,
      arbitrary: fc
        .tuple(text, fc.nat(), fc.constantFrom('', '}', ',', '\u0000', ']]]'))
        .map(([value, cut, tail]) => Buffer.from(value.slice(0, cut % (value.length + 1)) + tail)),
    },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 512 }).map((bytes) => Buffer.from(bytes)) },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        null,
        Buffer.alloc(0),
        Buffer.from('\ufeff{}'),
        Buffer.from('{}', 'utf16le'),
        Buffer.from([0xc3, 0x28, 0x7b, 0x7d]),
        Buffer.from(`${'['.repeat(5_000)}${']'.repeat(5_000)}`),
        Buffer.from(`{"a":"${'x'.repeat(70 * 1024)}"}`),
        Buffer.from('{"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}}}'),
        Buffer.from('a=1&b=2'),
      ),
    },
  );
}

export interface RouteFuzzInput {
  route: RouteSpec;
  operation: OpenApiOperation | undefined;
  doc: OpenApiDocument;
  /** For `POST /tools/{name}`: tool names and their input JSON Schemas, as `GET /tools` lists them. */
  tools?: { name: string; inputSchema: Schema }[];
  /** Known-good bodies for the route: mutated one field at a time, so that cases get past validation. */
  examples?: unknown[];
}

/** Every request the fuzzer may send to one route. */
export function requestsFor({
  route,
  operation,
  doc,
  tools,
  examples = [],
}: RouteFuzzInput): fc.Arbitrary<FuzzRequest> {
  const parameters = operation?.parameters ?? [];
  const pathParams = parameters.filter((p) => p.in === 'path');
  const queryParams = parameters.filter((p) => p.in === 'query');
  const bodySchema = operation?.requestBody?.content?.['application/json']?.schema;
  const tool = tools && tools.length > 0 ? fc.constantFrom(...tools) : null;

  // Path parameters (and, for tools, which tool).
  const names = [...route.path.matchAll(/\{([^}+]+)\+?\}/g)].map((match) => match[1] as string);
  const pathArb = fc
    .tuple(
      ...names.map((name) => {
        if (name === 'name' && tool) return segment(tool.map((t) => t.name));
        const schema = pathParams.find((p) => p.name === name)?.schema;
        return segment(fc.oneof(valueFor(schema, doc), fc.constantFrom('gpu-l4-hour', 'does-not-exist')));
      }),
    )
    .map((values) => {
      let index = 0;
      return route.path.replace(/\{[^}]+\}/g, () => values[index++] ?? '');
    });

  const pairArb = fc.tuple(
    fc.oneof(
      { weight: 3, arbitrary: fc.constantFrom(...(queryParams.length ? queryParams.map((p) => p.name) : ['q'])) },
      { weight: 1, arbitrary: nastyString },
    ),
    fc.oneof(...(queryParams.length ? queryParams.map((p) => valueFor(p.schema, doc)) : [nastyValue]), nastyValue),
    fc.constantFrom('encoded', 'encoded', 'encoded', 'raw-invalid'),
  );
  // Listings also get forged cursors, often: a random string rarely looks like one.
  const cursorPairArb = fc.tuple(fc.constant('cursor'), forgedCursor as fc.Arbitrary<unknown>, fc.constant('encoded'));
  const takesCursor = queryParams.some((p) => p.name === 'cursor');
  const queryArb = fc
    .array(
      takesCursor ? fc.oneof({ weight: 3, arbitrary: pairArb }, { weight: 2, arbitrary: cursorPairArb }) : pairArb,
      {
        maxLength: 5,
      },
    )
    .map((pairs) =>
      pairs
        .map(([key, value, how]) => {
          const text = asText(value);
          return how === 'encoded'
            ? `${percentEncode(key)}=${percentEncode(text)}`
            : `${percentEncode(key)}=%${text.length % 2 ? 'G' : 'C3%28'}`;
        })
        .join('&'),
    );

  const fromSchema = tool ? tool.chain((t) => valueFor(t.inputSchema, doc)) : valueFor(bodySchema, doc);
  const bodyJson =
    examples.length > 0
      ? fc.oneof(
          { weight: 1, arbitrary: fromSchema },
          { weight: 1, arbitrary: fc.constantFrom(...examples).chain(mutated) },
        )
      : fromSchema;
  const bodyArb =
    route.method === 'POST'
      ? bodyBytes(bodyJson)
      : fc.oneof({ weight: 9, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: bodyBytes(nastyValue) });

  const authArb: fc.Arbitrary<AuthVariant> =
    route.auth.kind === 'jwt'
      ? fc.oneof(
          { weight: 12, arbitrary: fc.constant<AuthVariant>('valid') },
          {
            weight: 2,
            arbitrary: fc.constantFrom<AuthVariant>('none', 'garbage', 'wrong-scope', 'expired', 'id-token', 'basic'),
          },
        )
      : fc.oneof(
          { weight: 9, arbitrary: fc.constant<AuthVariant>('none') },
          { weight: 1, arbitrary: fc.constant<AuthVariant>('garbage') },
        );

  const signatureArb: fc.Arbitrary<FuzzRequest['stripeSignature']> =
    route.auth.kind === 'stripe-signature'
      ? fc.oneof(
          { weight: 6, arbitrary: fc.constant('valid') },
          { weight: 1, arbitrary: fc.constant('stale') },
          { weight: 1, arbitrary: fc.constant(null) },
          { weight: 2, arbitrary: headerValue },
          { weight: 1, arbitrary: fc.constantFrom('t=1,v1=00', 't=,v1=', `v1=${'a'.repeat(64)}`, 't=9999999999,v0=x') },
        )
      : fc.constant(null);

  return fc
    .record({
      path: pathArb,
      query: fc.oneof({ weight: 2, arbitrary: fc.constant('') }, { weight: 3, arbitrary: queryArb }),
      contentType: fc.oneof(
        { weight: 6, arbitrary: fc.constant('application/json') },
        { weight: 3, arbitrary: fc.constantFrom(...CONTENT_TYPES) },
        { weight: 1, arbitrary: fc.constant(null) },
      ),
      // MCP's transport insists on this Accept; other routes ignore it.
      accept: fc.oneof(
        { weight: 6, arbitrary: fc.constant('application/json, text/event-stream') },
        { weight: 1, arbitrary: headerValue },
        { weight: 1, arbitrary: fc.constant(null) },
      ),
      headers: fc.array(
        fc.oneof(
          { weight: 4, arbitrary: fc.tuple(headerName, headerValue) },
          { weight: 1, arbitrary: fc.tuple(fc.constant('mcp-protocol-version'), mcpProtocolVersion) },
          { weight: 1, arbitrary: fc.tuple(fc.constant('idempotency-key'), idempotencyKey) },
        ),
        { maxLength: 4 },
      ),
      body: bodyArb,
      auth: authArb,
      stripeSignature: signatureArb,
      method: fc.oneof(
        { weight: 19, arbitrary: fc.constant(route.method) },
        { weight: 1, arbitrary: fc.constantFrom('HEAD', 'OPTIONS', 'PUT') },
      ),
    })
    .map(({ path, query, contentType, accept, headers, body, auth, stripeSignature, method }) => ({
      // How fast-check prints a counterexample: bodies can be megabytes.
      [fc.toStringMethod]() {
        const preview =
          body === null ? 'null' : `${body.length} bytes ${JSON.stringify(body.toString('utf8', 0, 120))}`;
        return `${method} ${(query ? `${path}?${query}` : path).slice(0, 300)} auth=${auth} headers=${JSON.stringify(headers).slice(0, 300)} body=${preview}`;
      },
      method,
      path: query ? `${path}?${query}` : path,
      headers: [
        ...(contentType !== null && body !== null ? ([['content-type', contentType]] as [string, string][]) : []),
        ...(accept !== null ? ([['accept', accept]] as [string, string][]) : []),
        // Authorization and the signature come from the runner only.
        ...headers.filter(([name]) => !['authorization', 'stripe-signature', 'content-length', 'host'].includes(name)),
      ],
      body,
      auth,
      stripeSignature,
    }));
}

/** `Stripe-Signature` for these exact bytes, signed as Stripe does (HMAC-SHA256 of `<t>.<raw body>`). */
export function stripeSignatureFor(body: Buffer, signedAt: number, secret = LOCAL_STRIPE_WEBHOOK_SECRET): string {
  const v1 = createHmac('sha256', secret).update(`${signedAt}.`).update(body).digest('hex');
  return `t=${signedAt},v1=${v1}`;
}

export interface RawAnswer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

/** Repeated names become one multi-value header, as Node sends them (one line each). */
function headerObject(pairs: [string, string][]): Record<string, string | string[]> {
  const headers: Record<string, string | string[]> = {};
  for (const [name, value] of pairs) {
    const existing = headers[name];
    headers[name] = existing === undefined ? value : [...(Array.isArray(existing) ? existing : [existing]), value];
  }
  return headers;
}

/** Sends exactly what was generated (fetch would normalise the path and refuse some headers). */
export function sendRaw(
  baseUrl: string,
  request: { method: string; path: string; headers: [string, string][]; body: Buffer | null },
  agent: http.Agent,
): Promise<RawAnswer> {
  const url = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: url.hostname,
        port: url.port,
        method: request.method,
        path: request.path,
        agent,
        // Framed explicitly: Node sends a GET or DELETE body without Content-Length otherwise, which the server
        // then reads as the next request on the connection.
        headers: {
          ...headerObject(request.headers),
          ...(request.body ? { 'content-length': String(request.body.length) } : {}),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
        );
        res.on('error', reject);
      },
    );
    req.setTimeout(35_000, () => req.destroy(new Error(`no answer to ${request.method} ${request.path}`)));
    req.on('error', reject);
    req.end(request.body ?? undefined);
  });
}

/**
 * What every answer must be: never a 5xx; a 4xx is either the Lambda's problem+json (type, title and a status
 * equal to the HTTP status) or one of the local gateway's own `{"message"}` answers, exactly as API Gateway words
 * them. MCP's own refusals are JSON-RPC error objects (the protocol's error format, which MCP clients parse).
 */
export function violations(route: RouteSpec, method: string, answer: RawAnswer): string[] {
  const problems: string[] = [];
  const type = String(answer.headers['content-type'] ?? '');
  if (answer.status >= 500) problems.push(`answered ${answer.status}`);
  if (answer.status < 400 || answer.status >= 500 || method === 'HEAD') return problems;
  let body: unknown;
  try {
    body = JSON.parse(answer.body.toString('utf8'));
  } catch {
    problems.push(`${answer.status} with a body that is not JSON`);
    return problems;
  }
  const record = (body ?? {}) as Record<string, unknown>;
  if (type === 'application/problem+json') {
    if (record.status !== answer.status) problems.push(`problem status ${String(record.status)} ≠ ${answer.status}`);
    if (typeof record.type !== 'string' || !record.type.startsWith('urn:toolgate:problem:')) {
      problems.push(`problem type ${String(record.type)}`);
    }
    if (typeof record.title !== 'string') problems.push('problem without a title');
    return problems;
  }
  const gatewayMessage = GATEWAY_MESSAGES[answer.status as keyof typeof GATEWAY_MESSAGES];
  if (type === 'application/json' && gatewayMessage && Object.keys(record).length === 1) {
    if (record.message !== gatewayMessage) problems.push(`gateway ${answer.status} says ${String(record.message)}`);
    return problems;
  }
  if (route.path === '/mcp' && type.startsWith('application/json') && record.jsonrpc === '2.0' && record.error) {
    return problems;
  }
  problems.push(
    `${answer.status} is neither problem+json nor a gateway answer (${type}): ${answer.body.toString().slice(0, 200)}`,
  );
  return problems;
}
