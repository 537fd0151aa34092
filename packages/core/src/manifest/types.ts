import type { Scope } from '../scopes';

/** Tiers that serve HTTP: each is one Lambda function with its own reserved concurrency. */
export const HTTP_TIERS = ['public', 'api', 'webhook'] as const;
export type HttpTier = (typeof HTTP_TIERS)[number];

/** API Gateway routes HEAD only to a HEAD (or ANY) route, never to GET: a page that must answer HEAD declares it. */
export const HTTP_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;
export type HttpMethod = (typeof HTTP_METHODS)[number];

/** Gateway JWT authorizer + in-Lambda verification. The token must carry at least one of `scopes`. */
export interface JwtAuth {
  readonly kind: 'jwt';
  readonly scopes: readonly [Scope, ...Scope[]];
}

/** Open at the gateway. Only allowed in the `public` tier, and the reason is mandatory. */
export interface PublicAuth {
  readonly kind: 'public';
  readonly reason: string;
}

/** Open at the gateway but authenticated inside the Lambda by a Stripe webhook signature. */
export interface StripeSignatureAuth {
  readonly kind: 'stripe-signature';
  readonly reason: string;
}

export type RouteAuth = JwtAuth | PublicAuth | StripeSignatureAuth;

/**
 * Per-plan request-rate classes for `api` routes (the limits per plan are configuration, see `limits/plans.ts`).
 * An api route without one is `standard`: every jwt route is rate limited, there is no unlimited class.
 */
export const RATE_CLASSES = ['standard', 'tools', 'chat'] as const;
export type RateClass = (typeof RATE_CLASSES)[number];

/**
 * A route that also answers as a stream of Server-Sent Events, when the client sends `Accept: text/event-stream`.
 * API Gateway's HTTP API cannot stream, so deployed the stream is served by the same tier code behind a Lambda
 * Function URL in RESPONSE_STREAM mode, which verifies the bearer JWT in the Lambda as every tier does
 * (docs/adr/0003-streaming.md). Only `api` routes, hence only `jwt` routes, can declare one.
 */
export interface RouteStream {
  readonly via: 'function-url';
  /** Why this route streams (the manifest's rule for every exception to the HTTP API). */
  readonly reason: string;
}

interface RouteBase {
  readonly method: HttpMethod;
  /** API Gateway path syntax: `/catalog/{id}`. */
  readonly path: string;
  /** One line for the route table, the OpenAPI document and the README. */
  readonly summary: string;
}

/**
 * A route exists only as an entry of this type. `auth` has no default, and the tier/auth pairs that make
 * sense are the only ones that type-check: a JWT route cannot land in the public tier and vice versa.
 */
export type RouteSpec =
  | (RouteBase & {
      readonly tier: 'api';
      readonly auth: JwtAuth;
      readonly rateClass?: RateClass;
      readonly stream?: RouteStream;
    })
  | (RouteBase & { readonly tier: 'public'; readonly auth: PublicAuth })
  | (RouteBase & { readonly tier: 'webhook'; readonly auth: StripeSignatureAuth });

export type RouteKey = `${HttpMethod} ${string}`;

export const routeKey = (route: Pick<RouteSpec, 'method' | 'path'>): RouteKey => `${route.method} ${route.path}`;
