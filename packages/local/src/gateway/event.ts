import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { type RouteSpec, routeKey } from '@toolgate/core/manifest';
import type { APIGatewayProxyEventV2, APIGatewayProxyEventV2WithJWTAuthorizer } from 'aws-lambda';

export interface JwtAuthorizerContext {
  claims: Record<string, string>;
  scopes: string[] | null;
}

export interface EventInput {
  req: IncomingMessage;
  rawPath: string;
  rawQueryString: string;
  route: RouteSpec;
  pathParameters: Record<string, string>;
  body: Buffer;
  requestId: string;
  /** Epoch milliseconds when the gateway received the request. */
  receivedAt: number;
  accountId: string;
  apiId: string;
  /** `$default`, or a named stage (then `rawPath` starts with it, as the client called it). */
  stage: string;
  authorizer?: JwtAuthorizerContext;
}

/** Hop-by-hop headers describe the client's connection to the gateway, not the request; proxies drop them. */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'upgrade',
  'te',
  'trailer',
]);

const TEXT_TYPES = [
  /^text\//,
  /^application\/(?:[\w.+-]+\+)?json\b/,
  /^application\/(?:[\w.+-]+\+)?xml\b/,
  /^application\/(?:javascript|ecmascript|x-www-form-urlencoded|graphql)\b/,
];

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Text bodies travel as strings and everything else base64-encoded, as API Gateway does. A declared
 * Content-Encoding (gzip...) makes any body binary, and so does "text" that is not valid UTF-8.
 */
export function encodeBody(body: Buffer, contentType: string | undefined, contentEncoding: string | undefined) {
  if (body.length === 0) return { isBase64Encoded: false } as const;
  const type = contentType?.trim().toLowerCase() ?? '';
  const encoded = contentEncoding !== undefined && contentEncoding.trim().toLowerCase() !== 'identity';
  if (!encoded && TEXT_TYPES.some((pattern) => pattern.test(type))) {
    try {
      return { body: utf8.decode(body), isBase64Encoded: false } as const;
    } catch {
      // not UTF-8 after all: fall through to base64
    }
  }
  return { body: body.toString('base64'), isBase64Encoded: true } as const;
}

/**
 * Payload v2 headers: names lower-cased, repeated headers joined with commas. Cookies leave the headers for the
 * `cookies` array.
 */
export function collectHeaders(rawHeaders: readonly string[]) {
  const headers: Record<string, string> = {};
  const cookies: string[] = [];
  for (let index = 0; index + 1 < rawHeaders.length; index += 2) {
    const name = (rawHeaders[index] as string).toLowerCase();
    const value = rawHeaders[index + 1] as string;
    if (HOP_BY_HOP.has(name)) continue;
    if (name === 'cookie') {
      cookies.push(
        ...value
          .split(';')
          .map((cookie) => cookie.trim())
          .filter(Boolean),
      );
      continue;
    }
    headers[name] = name in headers ? `${headers[name]},${value}` : value;
  }
  return { headers, cookies };
}

/** Repeated query parameters are joined with commas (payload v2 has no multi-value map). */
export function collectQuery(rawQueryString: string): Record<string, string> | undefined {
  if (rawQueryString === '') return undefined;
  const parameters: Record<string, string> = {};
  for (const [name, value] of new URLSearchParams(rawQueryString)) {
    parameters[name] = name in parameters ? `${parameters[name]},${value}` : value;
  }
  return Object.keys(parameters).length > 0 ? parameters : undefined;
}

/** API Gateway hands claims over as strings: numbers and booleans printed, arrays as `[a b]`. */
export function stringifyClaims(payload: Record<string, unknown>): Record<string, string> {
  const claims: Record<string, string> = {};
  for (const [name, value] of Object.entries(payload)) {
    if (value === undefined || value === null) continue;
    if (typeof value === 'string') claims[name] = value;
    else if (Array.isArray(value)) claims[name] = `[${value.map(String).join(' ')}]`;
    else if (typeof value === 'object') claims[name] = JSON.stringify(value);
    else claims[name] = String(value);
  }
  return claims;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const pad = (value: number) => String(value).padStart(2, '0');

/** `12/Mar/2020:19:03:58 +0000`, the format of `requestContext.time`. */
export function formatRequestTime(epochMs: number): string {
  const d = new Date(epochMs);
  return `${pad(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${pad(d.getUTCHours())}:${pad(
    d.getUTCMinutes(),
  )}:${pad(d.getUTCSeconds())} +0000`;
}

const traceId = (epochMs: number) =>
  `Root=1-${Math.floor(epochMs / 1000).toString(16)}-${randomBytes(12).toString('hex')}`;

export const sourceIpOf = (req: IncomingMessage) => (req.socket.remoteAddress ?? '127.0.0.1').replace(/^::ffff:/, '');

/** The API Gateway HTTP API payload-v2 event for one request, as the integration receives it. */
export function buildEvent(input: EventInput): APIGatewayProxyEventV2 | APIGatewayProxyEventV2WithJWTAuthorizer {
  const { req, route } = input;
  const { headers, cookies } = collectHeaders(req.rawHeaders);
  const sourceIp = sourceIpOf(req);
  // What API Gateway adds in front of the integration.
  headers['x-forwarded-for'] = headers['x-forwarded-for'] ? `${headers['x-forwarded-for']}, ${sourceIp}` : sourceIp;
  headers['x-forwarded-proto'] = 'http';
  headers['x-forwarded-port'] = String(req.socket.localPort ?? '');
  headers['x-amzn-trace-id'] = traceId(input.receivedAt);
  if (input.body.length > 0) headers['content-length'] = String(input.body.length);

  const domainName = headers.host ?? 'localhost';
  const key = routeKey(route);
  const queryStringParameters = collectQuery(input.rawQueryString);
  const encoded = encodeBody(input.body, headers['content-type'], headers['content-encoding']);

  return {
    version: '2.0',
    routeKey: key,
    rawPath: input.rawPath,
    rawQueryString: input.rawQueryString,
    ...(cookies.length > 0 ? { cookies } : {}),
    headers,
    ...(queryStringParameters ? { queryStringParameters } : {}),
    requestContext: {
      accountId: input.accountId,
      apiId: input.apiId,
      ...(input.authorizer ? { authorizer: { jwt: input.authorizer } } : {}),
      domainName,
      domainPrefix: domainName.split(/[.:]/)[0] ?? domainName,
      http: {
        method: route.method,
        path: input.rawPath,
        protocol: `HTTP/${req.httpVersion}`,
        sourceIp,
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: input.requestId,
      routeKey: key,
      stage: input.stage,
      time: formatRequestTime(input.receivedAt),
      timeEpoch: input.receivedAt,
    },
    ...(Object.keys(input.pathParameters).length > 0 ? { pathParameters: input.pathParameters } : {}),
    ...encoded,
  } as APIGatewayProxyEventV2 | APIGatewayProxyEventV2WithJWTAuthorizer;
}
