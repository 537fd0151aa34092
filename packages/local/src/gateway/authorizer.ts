import { createLocalJWKSet, errors, type JSONWebKeySet, type JWTPayload, jwtVerify } from 'jose';
import { type JwtAuthorizerContext, stringifyClaims } from './event';

export interface JwtAuthorizerConfig {
  /** Must equal the token's `iss` exactly. */
  issuer: string;
  /** Accepted `aud` values, or `client_id` values when the token has no `aud` (Cognito access tokens). */
  audience: readonly string[];
  jwks: JSONWebKeySet;
}

export type AuthorizerDecision =
  | { allow: true; context: JwtAuthorizerContext }
  | { allow: false; status: 401 | 403; wwwAuthenticate: string; reason: string };

/** API Gateway's JWT authorizers accept only RSA signatures. */
const ALGORITHMS = ['RS256', 'RS384', 'RS512'];

function deny(status: 401 | 403, reason: string, wwwAuthenticate: string): AuthorizerDecision {
  return { allow: false, status, reason, wwwAuthenticate };
}

const invalidToken = (description: string) =>
  deny(401, description, `Bearer scope="" error="invalid_token" error_description="${description}"`);

function describe(error: unknown): string {
  if (error instanceof errors.JWTExpired) return 'the token has expired';
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.claim === 'iss') return 'the token does not have a valid issuer';
    if (error.claim === 'nbf') return 'the token is not valid yet';
    return `the token has an invalid ${error.claim} claim`;
  }
  if (error instanceof errors.JWSSignatureVerificationFailed) return 'the token has an invalid signature';
  if (error instanceof errors.JWKSNoMatchingKey) return 'the token was not signed by a known key';
  if (error instanceof errors.JOSEAlgNotAllowed) return 'the token is signed with an unsupported algorithm';
  return 'the token is malformed';
}

function audienceMatches(payload: JWTPayload, audience: readonly string[]): boolean {
  // API Gateway evaluates `aud` when present and falls back to `client_id` only without it.
  if (payload.aud !== undefined) {
    const values = Array.isArray(payload.aud) ? payload.aud : [payload.aud];
    return values.some((value) => audience.includes(value));
  }
  return typeof payload.client_id === 'string' && audience.includes(payload.client_id);
}

export function tokenScopes(payload: JWTPayload): string[] {
  const { scope, scp } = payload as { scope?: unknown; scp?: unknown };
  if (typeof scope === 'string') return scope.split(' ').filter(Boolean);
  if (Array.isArray(scp)) return scp.filter((value): value is string => typeof value === 'string');
  if (typeof scp === 'string') return scp.split(' ').filter(Boolean);
  return [];
}

export type JwtAuthorizer = (
  authorization: string | undefined,
  routeScopes: readonly string[],
) => Promise<AuthorizerDecision>;

/**
 * The HTTP API JWT authorizer: identity source `Authorization: Bearer <token>`; RSA signature by a key of the JWKS
 * (matched by `kid`); `iss`; `aud` or `client_id`; `exp`, `nbf`, `iat`; then at least one of the route's scopes
 * (403 otherwise). Anything else is a 401 before the Lambda runs.
 */
export function createJwtAuthorizer(config: JwtAuthorizerConfig): JwtAuthorizer {
  const keys = createLocalJWKSet(config.jwks);
  return async (authorization, routeScopes) => {
    if (!authorization) return deny(401, 'no token', 'Bearer');
    const match = /^Bearer ([^\s]+)$/.exec(authorization.trim());
    if (!match?.[1]) return invalidToken('the Authorization header is not a bearer token');

    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(match[1], keys, {
        issuer: config.issuer,
        algorithms: ALGORITHMS,
        requiredClaims: ['exp'],
      }));
    } catch (error) {
      return invalidToken(describe(error));
    }
    if (!audienceMatches(payload, config.audience)) return invalidToken('the token does not have a valid audience');
    if (typeof payload.iat === 'number' && payload.iat > Math.floor(Date.now() / 1000)) {
      return invalidToken('the token was issued in the future');
    }

    const scopes = tokenScopes(payload);
    if (routeScopes.length > 0 && !routeScopes.some((required) => scopes.includes(required))) {
      const wanted = routeScopes.join(' ');
      return deny(
        403,
        'insufficient scope',
        `Bearer scope="${wanted}" error="insufficient_scope" error_description="expected scopes: [${wanted}]"`,
      );
    }
    return {
      allow: true,
      context: { claims: stringifyClaims(payload), scopes: scopes.length > 0 ? scopes : null },
    };
  };
}
