import type { HttpTier } from '@toolgate/core/manifest';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';

/** A tier's Lambda entry point, as `hono/aws-lambda`'s `handle(app)` returns it. */
export type LambdaHandler = (event: APIGatewayProxyEventV2, context: Context) => unknown;

export type TierHandlers = Partial<Record<HttpTier, LambdaHandler>>;

/** One line per request, for the dev console. Holds no header, query string or body: they may carry tokens. */
export interface AccessLogEntry {
  requestId: string;
  method: string;
  path: string;
  routeKey: string | null;
  tier: HttpTier | null;
  status: number;
  latencyMs: number;
  /** Why the gateway answered by itself, or what went wrong with the integration. */
  gatewayError?: string;
}

/**
 * One answer as the client receives it, for test observers only (`onResponse`): it holds the body, which may carry
 * anything, so nothing outside tests may keep or log it.
 */
export interface ObservedResponse {
  method: string;
  /** The raw path, without the query string. */
  path: string;
  /** The matched manifest route, or null (unmatched, or a CORS preflight). */
  routeKey: string | null;
  /** A CORS preflight the gateway answered by itself: API Gateway configuration, not an API operation. */
  preflight: boolean;
  status: number;
  /** Header names in lower case, as written to the client. */
  headers: Readonly<Record<string, string | string[]>>;
  body: Buffer;
}
