import { claimsProblem, tokenFromAuthorization, tokenScopes } from '@toolgate/core/auth/token-rules';
import { systemClock } from '@toolgate/core/clock';
import {
  createLocalJWKSet,
  errors,
  type JSONWebKeySet,
  type JWTHeaderParameters,
  type JWTPayload,
  jwtVerify,
} from 'jose';
import { type JwtAuthorizerContext, stringifyClaims } from './event';

export interface JwtAuthorizerConfig {
  /** Must equal the token's `iss` exactly. */
  issuer: string;
  /** Accepted `aud` values, or `client_id` values when the token has no `aud` (Cognito access tokens). */
  audience: readonly string[];
  jwks: JSONWebKeySet;
  /** The clock the token's times are judged by (default: the system clock). */
  now?: () => number;
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

export type JwtAuthorizer = (
  authorization: string | undefined,
  routeScopes: readonly string[],
) => Promise<AuthorizerDecision>;

/**
 * The HTTP API JWT authorizer: identity source `Authorization` (the token, or the token prefixed with `Bearer `); RSA
 * signature by a key of the JWKS (matched by `kid`); `iss`; then the rules shared with the in-Lambda verifier
 * (`aud` or `client_id`, `exp`, `nbf`, `iat`, no `crit`: core's token-rules.ts); then at least one of the route's
 * scopes from `scope` or `scp` (403 otherwise). Anything else is a 401 before the Lambda runs.
 */
export function createJwtAuthorizer(config: JwtAuthorizerConfig): JwtAuthorizer {
  const keys = createLocalJWKSet(config.jwks);
  const now = config.now ?? systemClock;
  return async (authorization, routeScopes) => {
    const source = tokenFromAuthorization(authorization);
    if (!source.ok) {
      return source.reason === 'missing'
        ? deny(401, 'no token', 'Bearer')
        : invalidToken(source.reason === 'too-large' ? 'the token is too large' : 'the token is malformed');
    }

    let payload: JWTPayload;
    let header: JWTHeaderParameters;
    try {
      ({ payload, protectedHeader: header } = await jwtVerify(source.token, keys, {
        issuer: config.issuer,
        algorithms: ALGORITHMS,
        requiredClaims: ['exp'],
        currentDate: new Date(now()),
      }));
    } catch (error) {
      return invalidToken(describe(error));
    }
    const problem = claimsProblem(header, payload, { audiences: config.audience, now: now() });
    if (problem) return invalidToken(problem);

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
