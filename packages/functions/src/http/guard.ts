import { bearerToken } from '@toolgate/core/auth/bearer';
import type { AccessTokenVerifier } from '@toolgate/core/auth/verifier';
import { MethodNotAllowedError, NotFoundError } from '@toolgate/core/errors';
import { type HttpTier, RouteMatcher, type RouteSpec } from '@toolgate/core/manifest';
import type { Context, MiddlewareHandler } from 'hono';
import type { AppEnv } from './types';

/** Verifies the signature of a webhook request over its raw body; throws a 400-class error when it fails. */
export interface SignatureVerifier {
  /** Resolves to the parsed body, once (and only if) the signature verified. */
  verify(rawBody: string, signatureHeader: string | undefined): Promise<unknown>;
}

export interface GuardOptions {
  tier: HttpTier;
  /** This tier's manifest entries: the only routes the guard lets through. */
  routes: readonly RouteSpec[];
  /** Required when any route is `jwt`; pass `null` explicitly for a tier without such routes. */
  verifier: AccessTokenVerifier | null;
  /** Required when any route is `stripe-signature`; `null` otherwise. */
  stripeSignature: SignatureVerifier | null;
}

/**
 * The guard runs first in every tier's Lambda and enforces the manifest whatever the event says: it matches the
 * request's own method and path (the path the routes see too: the adapter only uses `routeKey` to find where a
 * stage or mapping prefix ends, `route-path.ts`), answers 404/405 for anything undeclared, and for `jwt` routes
 * verifies the raw bearer token itself. `requestContext.authorizer` is never read: a direct `lambda:Invoke` can put
 * anything there.
 */
/** The path as the gateway sent it (payload v2 `rawPath`), when the request came through a Lambda event. */
function rawPathOf(c: Context<AppEnv>): string | undefined {
  const rawPath = (c.env?.event as { rawPath?: unknown } | undefined)?.rawPath;
  return typeof rawPath === 'string' ? rawPath : undefined;
}

/** A `.` or `..` segment, written plainly or percent-encoded (URL parsing resolves `%2e` too). */
export function hasDotSegment(path: string | undefined): boolean {
  return path?.split('/').some((segment) => /^(?:\.|%2e){1,2}$/i.test(segment)) ?? false;
}

export function createGuard(options: GuardOptions): MiddlewareHandler<AppEnv> {
  const { tier, routes, verifier, stripeSignature } = options;
  for (const route of routes) {
    if (route.tier !== tier)
      throw new Error(`guard(${tier}): ${route.method} ${route.path} belongs to tier ${route.tier}`);
  }
  if (routes.some((route) => route.auth.kind === 'jwt') && !verifier) {
    throw new Error(`guard(${tier}): jwt routes need a verifier`);
  }
  if (routes.some((route) => route.auth.kind === 'stripe-signature') && !stripeSignature) {
    throw new Error(`guard(${tier}): stripe-signature routes need a signature verifier`);
  }
  const matcher = new RouteMatcher(routes);

  return async (c, next) => {
    // The Fetch URL resolves `.` and `..` segments (`/uploads/./complete` becomes `/uploads/complete`), the gateway
    // does not: the route it chose and the one the app would run differ, so such a path names no route here.
    if (hasDotSegment(rawPathOf(c))) throw new NotFoundError(`No route ${c.req.method} ${c.req.path}.`);
    const result = matcher.match(c.req.method, c.req.path);
    if (!result.matched) {
      if (result.allowed.length > 0) throw new MethodNotAllowedError(result.allowed);
      throw new NotFoundError(`No route ${c.req.method} ${c.req.path}.`);
    }
    const { route } = result.matched;
    c.set('route', route);
    const auth = route.auth;
    switch (auth.kind) {
      case 'jwt': {
        const token = bearerToken(c.req.header('authorization'));
        c.set('caller', await verifier!.verify(token, auth.scopes)); // verifier: checked when the guard was built
        break;
      }
      case 'stripe-signature': {
        // The body is read once, raw, and parsed only once it verified; handlers get the result, never the body.
        c.set('webhookEvent', await stripeSignature!.verify(await c.req.text(), c.req.header('stripe-signature')));
        break;
      }
      case 'public':
        break;
      default: {
        const unknownAuth: never = auth;
        throw new Error(`guard: unhandled auth ${JSON.stringify(unknownAuth)}`);
      }
    }
    await next();
  };
}
