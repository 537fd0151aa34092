import type { GatewayThrottling, Throttle } from '../concurrency';
import { type HttpMethod, type HttpTier, manifest, type RouteKey, type RouteSpec, routeKey } from '../manifest';
import type { Scope } from '../scopes';
import type { StageSettings } from './stages';

/**
 * The API Gateway routes infra creates, derived from the route manifest and nothing else. Pure data, so tests
 * can assert the gateway's security without SST: `infra/api.ts` only loops over this.
 */
export interface GatewayRoute {
  key: RouteKey;
  tier: HttpTier;
  /** The JWT authorizer's scopes (a token needs one of them); `null` only for routes the manifest declares open. */
  authorizerScopes: readonly Scope[] | null;
  /** A route-level throttle tighter than the stage's, for every route that has no authorizer; else `null`. */
  throttle: Throttle | null;
}

export function gatewayRoute(route: RouteSpec, throttling: GatewayThrottling): GatewayRoute {
  const open = route.auth.kind !== 'jwt';
  return {
    key: routeKey(route),
    tier: route.tier,
    authorizerScopes: route.auth.kind === 'jwt' ? route.auth.scopes : null,
    // Open routes (public and webhook) are reachable by anyone; their own throttle keeps a flood of them from
    // using the whole stage allowance that authenticated callers share.
    throttle: open ? throttling.publicRoutes : null,
  };
}

export function gatewayRoutes(
  throttling: GatewayThrottling,
  entries: readonly RouteSpec[] = manifest,
): readonly GatewayRoute[] {
  return entries.map((route) => gatewayRoute(route, throttling));
}

/**
 * The steady rate the stage's routes may take together, in requests per second: every route is its own bucket (the
 * stage default, or its tighter route throttle), and all of them share the account's throttle for the Region.
 */
export function gatewayRateDemand(throttling: GatewayThrottling, entries: readonly RouteSpec[] = manifest): number {
  return gatewayRoutes(throttling, entries).reduce(
    (sum, route) => sum + (route.throttle ?? throttling.stage).rateLimit,
    0,
  );
}

/** API Gateway HTTP API `RouteSettings` entries: the per-route throttles of the stage. */
export function routeThrottleSettings(routes: readonly GatewayRoute[]) {
  return routes.flatMap((route) =>
    route.throttle
      ? [
          {
            routeKey: route.key,
            throttlingRateLimit: route.throttle.rateLimit,
            throttlingBurstLimit: route.throttle.burstLimit,
          },
        ]
      : [],
  );
}

export interface CorsPolicy {
  allowOrigins: string[];
  allowMethods: HttpMethod[];
  allowHeaders: string[];
  exposeHeaders: string[];
  maxAgeSeconds: number;
  /** Always false: callers send bearer tokens, not cookies, so the browser never needs to send credentials. */
  allowCredentials: false;
}

/**
 * Headers browsers may send: the bearer token, JSON bodies, idempotency keys, conditional catalog reads and MCP's
 * protocol headers.
 */
const ALLOWED_HEADERS = [
  'authorization',
  'content-type',
  'idempotency-key',
  'if-none-match',
  'mcp-protocol-version',
  'mcp-session-id',
];
/**
 * Headers scripts may read: the rate-limit state the api tier sends (`RateLimit-*`), when to retry, where to poll a
 * created resource, whether an idempotent submit was replayed, the catalog's ETag.
 */
const EXPOSED_HEADERS = [
  'location',
  'retry-after',
  'ratelimit-limit',
  'ratelimit-remaining',
  'ratelimit-reset',
  'ratelimit-policy',
  'idempotent-replayed',
  'etag',
  'mcp-session-id',
];

/** The gateway's CORS configuration, or `null` (no CORS at all) when a stage allows no browser origin. */
export function corsPolicy(
  settings: Pick<StageSettings, 'allowedOrigins'>,
  entries: readonly RouteSpec[] = manifest,
): CorsPolicy | null {
  if (settings.allowedOrigins.length === 0) return null;
  if (settings.allowedOrigins.some((origin) => origin.includes('*'))) {
    throw new Error('CORS: origins must be an explicit allow-list, never a wildcard');
  }
  const methods = [...new Set(entries.map((route) => route.method))].sort();
  return {
    allowOrigins: [...settings.allowedOrigins],
    allowMethods: methods,
    allowHeaders: ALLOWED_HEADERS,
    exposeHeaders: EXPOSED_HEADERS,
    maxAgeSeconds: 3600,
    allowCredentials: false,
  };
}

/**
 * The stage's JSON access log line (API Gateway `$context` variables). Numbers are unquoted so that log queries
 * can compare them; the authorizer error explains every 401 the gateway returns without reaching a Lambda, and the
 * integration error every 5xx it returns for one: a throttled function (500) or a timeout (503) reaches the client
 * only as `{"message":...}`, and AWS's troubleshooting guide for HTTP API Lambda integrations names
 * `$context.integrationErrorMessage` as the place that says which (docs/fidelity.md).
 */
export const ACCESS_LOG_FORMAT: Record<string, string> = {
  requestId: '"$context.requestId"',
  time: '"$context.requestTime"',
  routeKey: '"$context.routeKey"',
  method: '"$context.httpMethod"',
  path: '"$context.path"',
  status: '$context.status',
  latencyMs: '$context.responseLatency',
  integrationLatencyMs: '"$context.integration.latency"',
  integrationStatus: '"$context.integration.status"',
  ip: '"$context.identity.sourceIp"',
  userAgent: '"$context.identity.userAgent"',
  responseLength: '"$context.responseLength"',
  authorizerError: '"$context.authorizer.error"',
  error: '"$context.error.message"',
  integrationError: '"$context.integrationErrorMessage"',
};

/** Builds the format string: a JSON object whose values are raw `$context` templates. */
export function accessLogFormat(fields: Record<string, string> = ACCESS_LOG_FORMAT): string {
  return `{${Object.entries(fields)
    .map(([name, value]) => `"${name}":${value}`)
    .join(',')}}`;
}
