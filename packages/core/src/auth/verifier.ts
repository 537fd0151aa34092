import { CognitoJwtVerifier, JwtVerifier } from 'aws-jwt-verify';
import { FetchError, JwtBaseError } from 'aws-jwt-verify/error';
import { SimpleJwksCache } from 'aws-jwt-verify/jwk';
import type { JwtPayload } from 'aws-jwt-verify/jwt-model';
import type { AuthConfig } from '../config';
import { ForbiddenError, ServiceUnavailableError, UnauthorizedError } from '../errors';

/** Who is calling, as proven by a verified access token. The only source of identity in toolgate. */
export interface Caller {
  sub: string;
  scopes: readonly string[];
  /** The OAuth client the token was issued to (Cognito `client_id`, or the matched `aud`). */
  clientId: string;
  username?: string;
}

export interface AccessTokenVerifier {
  /**
   * Verifies signature, issuer, audience/client id, token use, expiry and not-before, then the scopes:
   * the token must carry at least one of `requiredScopes` (API Gateway's rule). Pass `null` to skip the
   * scope check explicitly. Throws `UnauthorizedError` (401) or `ForbiddenError` (403).
   */
  verify(token: string, requiredScopes: readonly string[] | null): Promise<Caller>;
  /** Loads the JWKS ahead of the first request (call during init). */
  hydrate(): Promise<void>;
}

/** Tokens longer than this are rejected before parsing: no legitimate access token comes close. */
export const MAX_TOKEN_LENGTH = 8 * 1024;

export function scopesOf(payload: JwtPayload): string[] {
  const { scope, scp } = payload as { scope?: unknown; scp?: unknown };
  if (typeof scope === 'string') return scope.split(' ').filter(Boolean);
  if (Array.isArray(scp)) return scp.filter((value): value is string => typeof value === 'string');
  return [];
}

/** Extracts the token from an `Authorization: Bearer <token>` header value; anything else is a 401. */
export function bearerToken(header: string | undefined | null): string {
  if (!header) throw new UnauthorizedError('Missing bearer token.');
  const match = /^Bearer ([A-Za-z0-9\-_=]+\.[A-Za-z0-9\-_=]+\.[A-Za-z0-9\-_=]*)$/.exec(header.trim());
  if (!match?.[1]) throw new UnauthorizedError('The Authorization header must be "Bearer <access token>".');
  if (match[1].length > MAX_TOKEN_LENGTH) throw new UnauthorizedError('The access token is too large.');
  return match[1];
}

type VerifyFn = (token: string) => Promise<JwtPayload>;

function cognitoShapeCheck(clientIds: readonly string[]) {
  return ({ payload }: { payload: JwtPayload }) => {
    if (payload.token_use !== 'access') throw new Error('not an access token');
    if (typeof payload.client_id !== 'string' || !clientIds.includes(payload.client_id)) {
      throw new Error('token issued to an unknown client');
    }
  };
}

function buildVerify(auth: AuthConfig): { verify: VerifyFn; hydrate: () => Promise<void> } {
  switch (auth.kind) {
    case 'cognito': {
      const verifier = CognitoJwtVerifier.create({
        userPoolId: auth.userPoolId,
        tokenUse: 'access',
        clientId: auth.clientIds,
      });
      return { verify: (token) => verifier.verify(token), hydrate: () => verifier.hydrate() };
    }
    case 'oidc': {
      const verifier = JwtVerifier.create({
        issuer: auth.issuer,
        audience: auth.audience,
        ...(auth.jwksUri ? { jwksUri: auth.jwksUri } : {}),
        customJwtCheck: ({ payload }) => {
          if (payload.token_use !== undefined && payload.token_use !== 'access') throw new Error('not an access token');
        },
      });
      return { verify: (token) => verifier.verify(token), hydrate: () => verifier.hydrate() };
    }
    case 'local': {
      // aws-jwt-verify only fetches JWKS over https; the dev issuer serves it on loopback http.
      const jwksCache = new SimpleJwksCache({
        fetcher: { fetch: async (uri: string) => (await fetch(uri)).arrayBuffer() },
      });
      const verifier = JwtVerifier.create(
        {
          issuer: auth.issuer,
          jwksUri: auth.jwksUri,
          audience: null, // Cognito-shaped access tokens have no `aud`; client_id is checked below.
          customJwtCheck: cognitoShapeCheck(auth.clientIds),
        },
        { jwksCache },
      );
      return { verify: (token) => verifier.verify(token), hydrate: () => verifier.hydrate() };
    }
  }
}

export function createAccessTokenVerifier(auth: AuthConfig): AccessTokenVerifier {
  const { verify, hydrate } = buildVerify(auth);
  return {
    hydrate,
    async verify(token, requiredScopes) {
      if (token.length > MAX_TOKEN_LENGTH) throw new UnauthorizedError('The access token is too large.');
      let payload: JwtPayload;
      try {
        payload = await verify(token);
      } catch (error) {
        if (error instanceof FetchError) {
          throw new ServiceUnavailableError('The token issuer keys could not be loaded.', 5, { cause: error });
        }
        // Every other failure (signature, claims, parse, unknown kid, custom checks) is the caller's.
        throw new UnauthorizedError('The access token is not valid.', {
          cause: error instanceof JwtBaseError || error instanceof Error ? error : undefined,
        });
      }
      if (typeof payload.sub !== 'string' || payload.sub.length === 0) {
        throw new UnauthorizedError('The access token has no subject.');
      }
      const scopes = scopesOf(payload);
      if (requiredScopes !== null && !requiredScopes.some((required) => scopes.includes(required))) {
        throw new ForbiddenError(`This operation requires the scope ${requiredScopes.join(' or ')}.`);
      }
      const clientId =
        typeof payload.client_id === 'string'
          ? payload.client_id
          : Array.isArray(payload.aud)
            ? (payload.aud[0] ?? '')
            : (payload.aud ?? '');
      return {
        sub: payload.sub,
        scopes,
        clientId,
        ...(typeof payload.username === 'string' ? { username: payload.username } : {}),
      };
    },
  };
}
