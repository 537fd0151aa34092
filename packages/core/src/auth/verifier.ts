import { get as httpGet } from 'node:http';
import { CognitoJwtVerifier, JwtVerifier } from 'aws-jwt-verify';
import { FetchError, JwtBaseError, NonRetryableFetchError } from 'aws-jwt-verify/error';
import { type Jwks, SimpleJwksCache } from 'aws-jwt-verify/jwk';
import type { JwtPayload } from 'aws-jwt-verify/jwt-model';
import { ForbiddenError, ServiceUnavailableError, UnauthorizedError } from '../errors';
import { MAX_TOKEN_LENGTH } from './bearer';
import type { AuthConfig } from './config';

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

export function scopesOf(payload: JwtPayload): string[] {
  const { scope, scp } = payload as { scope?: unknown; scp?: unknown };
  if (typeof scope === 'string') return scope.split(' ').filter(Boolean);
  if (Array.isArray(scp)) return scp.filter((value): value is string => typeof value === 'string');
  return [];
}

type VerifyFn = (token: string) => Promise<JwtPayload>;

/**
 * GET over plain http, for the dev issuer's JWKS on loopback. It uses `node:http` as aws-jwt-verify's own fetcher
 * uses `node:https`: the global `fetch` would compile undici's WebAssembly HTTP parser on every local cold start
 * (~16 ms here), a cost no deployed function pays, and the benchmark would measure it.
 */
function fetchOverHttp(uri: string): Promise<ArrayBuffer> {
  return new Promise((resolve, reject) => {
    const request = httpGet(uri, { timeout: 2_000 }, (response) => {
      if (response.statusCode !== 200) {
        response.resume();
        reject(new NonRetryableFetchError(uri, `Status code is ${response.statusCode}, expected 200`));
        return;
      }
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('error', (error) => reject(new FetchError(uri, error.message)));
      response.on('end', () => resolve(new Uint8Array(Buffer.concat(chunks)).buffer));
    });
    request.on('timeout', () => request.destroy(new Error('timed out')));
    request.on('error', (error) => reject(new FetchError(uri, error.message)));
  });
}

function cognitoShapeCheck(clientIds: readonly string[]) {
  return ({ payload }: { payload: JwtPayload }) => {
    if (payload.token_use !== 'access') throw new Error('not an access token');
    if (typeof payload.client_id !== 'string' || !clientIds.includes(payload.client_id)) {
      throw new Error('token issued to an unknown client');
    }
  };
}

/** Starts the verifier with the keys the deploy fetched, if any (see `jwks` in config.ts). */
function seed(verifier: { cacheJwks(jwks: Jwks): void }, jwks: AuthConfig['jwks']): void {
  if (jwks) verifier.cacheJwks(jwks as Jwks);
}

function buildVerify(auth: AuthConfig): { verify: VerifyFn; hydrate: () => Promise<void> } {
  switch (auth.kind) {
    case 'cognito': {
      const verifier = CognitoJwtVerifier.create({
        userPoolId: auth.userPoolId,
        tokenUse: 'access',
        clientId: auth.clientIds,
      });
      seed(verifier, auth.jwks);
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
      seed(verifier, auth.jwks);
      return { verify: (token) => verifier.verify(token), hydrate: () => verifier.hydrate() };
    }
    case 'local': {
      // aws-jwt-verify only fetches JWKS over https; the dev issuer serves it on loopback http.
      const jwksCache = new SimpleJwksCache({ fetcher: { fetch: fetchOverHttp } });
      const verifier = JwtVerifier.create(
        {
          issuer: auth.issuer,
          jwksUri: auth.jwksUri,
          audience: null, // Cognito-shaped access tokens have no `aud`; client_id is checked below.
          customJwtCheck: cognitoShapeCheck(auth.clientIds),
        },
        { jwksCache },
      );
      seed(verifier, auth.jwks);
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
