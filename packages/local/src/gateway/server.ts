import {
  createServer,
  type IncomingMessage,
  type OutgoingHttpHeaders,
  type RequestListener,
  type Server,
  validateHeaderName,
  validateHeaderValue,
} from 'node:http';
import { systemClock } from '@toolgate/core/clock';
import {
  DEFAULT_CONCURRENCY_BUDGET,
  DEFAULT_GATEWAY_THROTTLING,
  deployedApiSplit,
  GATEWAY_LIMITS,
  type GatewayThrottling,
} from '@toolgate/core/concurrency';
import {
  HTTP_TIERS,
  type HttpTier,
  manifest,
  RouteMatcher,
  type RouteSpec,
  routeKey,
  streamRoutes,
} from '@toolgate/core/manifest';
import { ClientAbortedError, declaredLength, RequestTooLargeError, readBody } from '../emulators/http-body';
import { closeServer, httpUrl, listen } from '../emulators/http-server';
import { LOOPBACK } from '../emulators/types';
import { createJwtAuthorizer, type JwtAuthorizerConfig } from './authorizer';
import { ConcurrencyLimiter, createTierLimiters } from './concurrency';
import { lambdaContext } from './context';
import { type CorsConfig, createCors } from './cors';
import { buildEvent, collectHeaders, type JwtAuthorizerContext } from './event';
import { invokeWithTimeout } from './invoke';
import { type GatewayStatus, gatewayAnswer, type HttpResponse, newRequestId } from './responses';
import { LAMBDA_MAX_RESPONSE_BYTES, toHttpResponse } from './result';
import { invokeStreaming, type StreamingLambdaHandler } from './streaming';
import { GatewayThrottle } from './throttle';
import type { AccessLogEntry, LambdaHandler, ObservedResponse, TierHandlers } from './types';

/**
 * The local API Gateway (HTTP API, payload 2.0) in front of the tiers' Lambda handlers, as strict as AWS: the
 * manifest's routes, stages and base paths, CORS, stage and route throttling, the JWT authorizer, per-tier reserved
 * concurrency, the payload, response and timeout limits, and an access log. Longer than 300 lines on purpose: a
 * request's path through the gateway reads in order in one function, while each check it makes is its own module
 * beside it (authorizer, cors, throttle, concurrency, event, invoke, result).
 */
export interface LocalGatewayOptions {
  /** Each tier's Lambda handler; a matched route whose tier has none gets a 500, like a broken integration. */
  handlers: TierHandlers;
  /**
   * Each tier's response-streaming handler (deployed behind a Function URL in RESPONSE_STREAM mode): a manifest route
   * with `stream` asked for `text/event-stream` is invoked through it, and its body is written as it comes.
   */
  streamHandlers?: Partial<Record<HttpTier, StreamingLambdaHandler>>;
  /** The JWT authorizer attached to every `jwt` route. */
  authorizer: JwtAuthorizerConfig;
  /** Defaults to the whole manifest. */
  routes?: readonly RouteSpec[];
  host?: string;
  /** 0 (default) picks a free port. */
  port?: number;
  /** Integration timeout (API Gateway: 30 s). */
  timeoutMs?: number;
  maxPayloadBytes?: number;
  maxResponseBytes?: number;
  /** Token buckets; `null` turns throttling off. */
  throttling?: GatewayThrottling | null;
  /** Reserved concurrency per tier; defaults from core's budget. */
  concurrency?: Partial<Record<HttpTier, number>>;
  /** All tiers draw from one pool of this size instead of their reserved concurrency. */
  sharedPool?: number;
  /** `null` (or no origins): no CORS configuration, so OPTIONS requests are unmatched routes. */
  cors?: CorsConfig | null;
  /**
   * The API Gateway stage (default `$default`). A named stage is reached as on its execute-api URL, under
   * `/{stage}`: its Lambdas get `rawPath` `/prod/me` and `requestContext.stage` `prod`, as on AWS.
   */
  stage?: string;
  /**
   * Emulates a custom domain's API mapping instead (`v1`): routes are under `/{basePath}`, which `rawPath` keeps,
   * while the stage is not in the path.
   */
  basePath?: string;
  region?: string;
  accountId?: string;
  apiId?: string;
  log?: (entry: AccessLogEntry) => void;
  /**
   * Sees every answer exactly as it is written, body included: the end-to-end suites check each one against the
   * OpenAPI document. Tests only (bodies may carry anything); a throwing observer does not change the answer.
   */
  onResponse?: (response: ObservedResponse) => void;
  /** Integration failures (handler threw, malformed output). Never given request headers. */
  logError?: (message: string, error?: unknown) => void;
  /**
   * A local-only app served beside the API (the dev console): requests whose path is `prefix` or under it go to
   * `listener` before any routing, throttling or logging. No manifest route may live there.
   */
  sidecar?: { prefix: string; listener: RequestListener };
}

/** Executions in use and reserved per HTTP tier, right now. */
export type TierConcurrency = Record<HttpTier, { inUse: number; reserved: number }>;

export interface LocalGateway {
  url: string;
  port: number;
  server: Server;
  concurrency(): TierConcurrency;
  stop(): Promise<void>;
}

/** A request that passed routing, limits and the authorizer, ready for its Lambda. */
interface Admitted {
  req: IncomingMessage;
  route: RouteSpec;
  params: Record<string, string>;
  body: Buffer;
  requestId: string;
  receivedAt: number;
  authorizer?: JwtAuthorizerContext;
}

interface Outcome {
  response: HttpResponse;
  /** A streamed answer: `response` holds its status and headers, this its body as the function writes it. */
  stream?: { body: NodeJS.ReadableStream; close(): void };
  route: RouteSpec | null;
  gatewayError?: string;
  /** A CORS preflight answered by the gateway: its headers are already complete. */
  preflight?: boolean;
}

const answer = (
  status: GatewayStatus,
  reason: string,
  route: RouteSpec | null = null,
  headers: [string, string][] = [],
) => ({
  response: gatewayAnswer(status, headers),
  route,
  gatewayError: reason,
});

/** `Accept: text/event-stream` (with or without parameters, among other types). */
function acceptsEventStream(req: IncomingMessage): boolean {
  const accept = req.headers.accept ?? '';
  return accept.split(',').some((range) => range.split(';')[0]?.trim().toLowerCase() === 'text/event-stream');
}

function splitUrl(url: string): { rawPath: string; rawQueryString: string } {
  const index = url.indexOf('?');
  return index === -1
    ? { rawPath: url, rawQueryString: '' }
    : { rawPath: url.slice(0, index), rawQueryString: url.slice(index + 1) };
}

const INTEGRATION_CORS = /^access-control-/i;
/** Framing is the gateway's job; values a handler sets for these would corrupt the response. */
const FRAMING = new Set(['content-length', 'transfer-encoding', 'connection', 'keep-alive']);

/** Throws on names or values HTTP forbids, before anything is written. */
function nodeHeaders(
  response: HttpResponse,
  cors: { configured: boolean; headers: [string, string][] },
  requestId: string,
  streamed = false,
): OutgoingHttpHeaders {
  const headers: Record<string, string | string[]> = {};
  const add = (name: string, value: string) => {
    validateHeaderName(name);
    validateHeaderValue(name, value);
    const key = name.toLowerCase();
    const existing = headers[key];
    headers[key] = existing === undefined ? value : [...(Array.isArray(existing) ? existing : [existing]), value];
  };
  for (const [name, value] of response.headers) {
    if (FRAMING.has(name.toLowerCase())) continue;
    // With CORS configured on the API, API Gateway ignores the integration's CORS headers.
    if (cors.configured && INTEGRATION_CORS.test(name)) continue;
    add(name, value);
  }
  for (const cookie of response.cookies) add('set-cookie', cookie);
  for (const [name, value] of cors.headers) add(name, value);
  headers['apigw-requestid'] = requestId;
  if (!streamed) headers['content-length'] = String(response.body.length);
  return headers;
}

/** The local API Gateway (HTTP API): manifest routing, JWT authorizer, limits, and in-process Lambda invocation. */
export async function startLocalGateway(options: LocalGatewayOptions): Promise<LocalGateway> {
  const routes = options.routes ?? manifest;
  const matcher = new RouteMatcher(routes);
  const authorize = createJwtAuthorizer(options.authorizer);
  const timeoutMs = options.timeoutMs ?? GATEWAY_LIMITS.integrationTimeoutMs;
  const maxPayloadBytes = options.maxPayloadBytes ?? GATEWAY_LIMITS.maxPayloadBytes;
  const maxResponseBytes = options.maxResponseBytes ?? LAMBDA_MAX_RESPONSE_BYTES;
  const throttle =
    options.throttling === null ? null : new GatewayThrottle(options.throttling ?? DEFAULT_GATEWAY_THROTTLING);
  const budget = { ...DEFAULT_CONCURRENCY_BUDGET, ...options.concurrency };
  // Serving streams, the api tier's budget is split as deployed (`deployedApiSplit`): the stream function has its
  // share, the api function the rest, so neither kind of request can take the other's executions.
  const serveStreams = options.streamHandlers?.api !== undefined && streamRoutes(routes).length > 0;
  const split = options.sharedPool === undefined ? deployedApiSplit(budget, serveStreams) : null;
  const limiterOf = createTierLimiters(split ? { ...budget, api: split.buffered } : budget, options.sharedPool);
  const streamLimiter = split ? new ConcurrencyLimiter(split.stream) : null;
  const cors =
    options.cors && options.cors.allowOrigins.length > 0
      ? createCors(options.cors, (origin) =>
          options.logError?.(
            `CORS: refused origin ${origin} (allowed: ${options.cors?.allowOrigins.join(', ')}); ` +
              `allow it with pnpm dev --allow-origin ${origin} or TOOLGATE_ALLOWED_ORIGINS`,
          ),
        )
      : null;
  const region = options.region ?? 'us-east-1';
  const accountId = options.accountId ?? '000000000000';
  const apiId = options.apiId ?? 'local';
  const logError = options.logError ?? (() => undefined);
  const stage = options.stage ?? '$default';
  if (!/^(?:\$default|[A-Za-z0-9_-]+)$/.test(stage)) throw new Error(`local gateway: invalid stage name ${stage}`);
  if (options.basePath !== undefined && !/^[A-Za-z0-9._~-]+(?:\/[A-Za-z0-9._~-]+)*$/.test(options.basePath)) {
    throw new Error(`local gateway: invalid API mapping path ${options.basePath}`);
  }
  const sidecar = options.sidecar;
  if (sidecar) {
    const clash = routes.find((route) => route.path === sidecar.prefix || route.path.startsWith(`${sidecar.prefix}/`));
    if (clash) throw new Error(`local gateway: ${routeKey(clash)} is under ${sidecar.prefix}, the dev console's path`);
  }
  const isSidecar = (url: string | undefined) => {
    if (!sidecar) return false;
    const path = splitUrl(url ?? '/').rawPath;
    return path === sidecar.prefix || path.startsWith(`${sidecar.prefix}/`);
  };
  const pathPrefix = options.basePath !== undefined ? `/${options.basePath}` : stage === '$default' ? '' : `/${stage}`;

  /** The path API Gateway routes on: without the stage or mapping prefix; null when the request is not under it. */
  function routePathOf(rawPath: string): string | null {
    if (pathPrefix === '') return rawPath;
    if (rawPath === pathPrefix) return '/';
    return rawPath.startsWith(`${pathPrefix}/`) ? rawPath.slice(pathPrefix.length) : null;
  }

  async function invoke({ req, route, params, body, requestId, receivedAt, authorizer }: Admitted): Promise<Outcome> {
    const handler: LambdaHandler | undefined = options.handlers[route.tier];
    if (!handler) {
      logError(`No handler for the ${route.tier} tier (${routeKey(route)})`);
      return answer(500, 'no integration', route);
    }
    const streamHandler = options.streamHandlers?.[route.tier];
    const streaming = streamHandler !== undefined && route.tier === 'api' && !!route.stream && acceptsEventStream(req);
    // A function at its reserved concurrency refuses the invocation (Lambda's 429 TooManyRequestsException); API
    // Gateway answers that as an integration failure, 500 Internal Server Error, not as its own throttling (429)
    // nor as a timeout (503). docs/fidelity.md, "Throttling and timeouts", cites AWS's pages. A stream draws on the
    // stream function's own share.
    const release = (streaming && streamLimiter ? streamLimiter : limiterOf(route.tier)).tryAcquire();
    if (!release) return answer(500, 'function throttled (reserved concurrency)', route);

    const { rawPath, rawQueryString } = splitUrl(req.url ?? '/');
    const event = buildEvent({
      req,
      rawPath,
      rawQueryString,
      route,
      pathParameters: params,
      body,
      requestId,
      receivedAt,
      accountId,
      apiId,
      stage,
      ...(authorizer ? { authorizer } : {}),
    });
    const context = lambdaContext({ tier: route.tier, region, accountId, deadline: receivedAt + timeoutMs });
    if (streaming && streamHandler) {
      const invocation = invokeStreaming(streamHandler, event, context);
      void invocation.settled.then(release);
      const prelude = await invocation.prelude;
      if (!prelude) {
        invocation.close();
        logError(`The ${route.tier} streaming handler wrote no response metadata on ${routeKey(route)}`);
        return answer(500, 'malformed integration response', route);
      }
      return {
        response: { ...prelude, body: Buffer.alloc(0) },
        route,
        stream: { body: invocation.body, close: invocation.close },
      };
    }
    const { outcome, settled } = invokeWithTimeout(handler, event, context, timeoutMs);
    // The slot stays taken until the function really finishes, even after the gateway gave up on it.
    void settled.then(release);

    const result = await outcome;
    // An HTTP API that waited its integration timeout out answers 503 Service Unavailable (REST APIs answer 504).
    if (result.kind === 'timed-out') return answer(503, 'integration timeout', route);
    if (result.kind === 'threw') {
      logError(`The ${route.tier} handler threw on ${routeKey(route)}`, result.error);
      return answer(500, 'handler error', route);
    }
    const response = toHttpResponse(result.value, maxResponseBytes);
    if (!response) {
      logError(`The ${route.tier} handler returned malformed output on ${routeKey(route)}`);
      return answer(500, 'malformed integration response', route);
    }
    return { response, route };
  }

  async function handleRequest(req: IncomingMessage, requestId: string, receivedAt: number): Promise<Outcome> {
    const length = declaredLength(req);
    if (length !== null && length > maxPayloadBytes) {
      // Node discards the rest of the body after the response, so the client still gets to read the 413.
      return answer(413, 'payload too large');
    }
    let body: Buffer;
    try {
      body = await readBody(req, maxPayloadBytes);
    } catch (error) {
      if (error instanceof RequestTooLargeError) return answer(413, 'payload too large');
      throw error;
    }

    if (cors?.isPreflight(req)) {
      const headers: [string, string][] = [...cors.preflightHeaders(req), ['x-content-type-options', 'nosniff']];
      const response = { statusCode: 204, headers, cookies: [], body: Buffer.alloc(0) };
      return { response, route: null, preflight: true };
    }

    const method = req.method ?? 'GET';
    const routePath = routePathOf(splitUrl(req.url ?? '/').rawPath);
    if (routePath === null) return answer(404, 'no route');
    const found = matcher.match(method, routePath);
    if (!found.matched) return answer(404, 'no route');
    const { route, params } = found.matched;

    if (throttle && !throttle.admit(route)) return answer(429, 'throttled', route);

    let authorizer: JwtAuthorizerContext | undefined;
    if (route.auth.kind === 'jwt') {
      const decision = await authorize(collectHeaders(req.rawHeaders).headers.authorization, route.auth.scopes);
      if (!decision.allow) {
        return answer(decision.status, `authorizer: ${decision.reason}`, route, [
          ['www-authenticate', decision.wwwAuthenticate],
        ]);
      }
      authorizer = decision.context;
    }
    return invoke({ req, route, params, body, requestId, receivedAt, ...(authorizer ? { authorizer } : {}) });
  }

  const server = createServer((req, res) => {
    if (sidecar && isSidecar(req.url)) {
      sidecar.listener(req, res);
      return;
    }
    const requestId = newRequestId();
    const receivedAt = systemClock();
    const started = performance.now();
    handleRequest(req, requestId, receivedAt)
      .catch((error: unknown): Outcome | null => {
        if (error instanceof ClientAbortedError) return null;
        logError('The local gateway failed on a request', error);
        return answer(500, 'gateway error');
      })
      .then((outcome) => {
        if (!outcome || res.destroyed) return;
        const corsHeaders = {
          configured: cors !== null && !outcome.preflight,
          headers: cors && !outcome.preflight ? cors.responseHeaders(req.headers.origin) : [],
        };
        let headers: OutgoingHttpHeaders;
        try {
          headers = nodeHeaders(outcome.response, corsHeaders, requestId);
        } catch (error) {
          logError('The integration response has headers HTTP forbids', error);
          outcome.response = gatewayAnswer(500);
          outcome.gatewayError = 'malformed integration response';
          headers = nodeHeaders(outcome.response, corsHeaders, requestId);
        }
        const finish = (body: Buffer) => {
          if (options.onResponse) {
            try {
              options.onResponse({
                method: req.method ?? '',
                path: splitUrl(req.url ?? '/').rawPath,
                routeKey: outcome.route ? routeKey(outcome.route) : null,
                preflight: outcome.preflight === true,
                status: outcome.response.statusCode,
                headers: headers as Record<string, string | string[]>,
                body,
              });
            } catch (error) {
              logError('The response observer threw', error);
            }
          }
          options.log?.({
            requestId,
            method: req.method ?? '',
            path: splitUrl(req.url ?? '/').rawPath,
            routeKey: outcome.route ? routeKey(outcome.route) : null,
            tier: outcome.route?.tier ?? null,
            status: res.statusCode,
            latencyMs: Math.round((performance.now() - started) * 10) / 10,
            ...(outcome.gatewayError ? { gatewayError: outcome.gatewayError } : {}),
          });
        };
        const { stream } = outcome;
        if (!stream) {
          res.writeHead(outcome.response.statusCode, headers).end(outcome.response.body);
          finish(outcome.response.body);
          return;
        }
        // A stream is written as the function writes it: headers now, each chunk when it comes, nothing buffered.
        delete headers['content-length'];
        res.writeHead(outcome.response.statusCode, headers);
        res.flushHeaders();
        const chunks: Buffer[] = [];
        stream.body.on('data', (chunk: Buffer) => {
          if (options.onResponse) chunks.push(chunk);
          res.write(chunk);
        });
        stream.body.on('end', () => {
          res.end();
          finish(Buffer.concat(chunks));
        });
        // The client went away: the function's response stream closes, and the function sees it.
        res.on('close', () => {
          if (!res.writableFinished) stream.close();
        });
      });
  });

  const host = options.host ?? LOOPBACK;
  const { port } = await listen(server, options.port ?? 0, host);
  const concurrency = () =>
    Object.fromEntries(
      HTTP_TIERS.map((tier) => {
        const limiter = limiterOf(tier);
        return [tier, { inUse: limiter.inFlight, reserved: limiter.limit }];
      }),
    ) as TierConcurrency;
  return { url: httpUrl(host, port), port, server, concurrency, stop: () => closeServer(server) };
}
