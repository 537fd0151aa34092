import { get as httpGet } from 'node:http';
import { CognitoJwtVerifier, JwtVerifier } from 'aws-jwt-verify';
import { FetchError, JwtBaseError, NonRetryableFetchError } from 'aws-jwt-verify/error';
import { type Jwks, SimpleJwksCache } from 'aws-jwt-verify/jwk';
import type { JwtPayload } from 'aws-jwt-verify/jwt-model';
import { type Clock, systemClock } from '../clock';
import { ForbiddenError, ServiceUnavailableError, UnauthorizedError } from '../errors';
import type { AuthConfig } from './config';
import { claimsProblem, MAX_TOKEN_LENGTH, tokenScopes } from './token-rules';

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

export interface VerifierOptions {
  /** The `iat` and `exp` checks read it (default: the system clock). */
  now?: Clock;
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

type JwtCheck = (input: { header: object; payload: JwtPayload }) => void;

/**
 * The checks aws-jwt-verify leaves to us, run after it verified the signature and the issuer: the rules shared with
 * the local gateway's authorizer (token-rules.ts), then the token use. The audience is part of the shared rules (aud
 * when present, else client_id: API Gateway's rule), so the library's own audience/client id check is off (`null`).
 */
function sharedChecks(audiences: readonly string[], now: () => number, tokenUse: 'required' | 'if-present'): JwtCheck {
  return ({ header, payload }) => {
    const problem = claimsProblem(header as Record<string, unknown>, payload, { audiences, now: now() });
    if (problem) throw new Error(problem);
    // toolgate's own rule (API Gateway has none): an ID token is not an access token. At the gateway such a token
    // carries no scope, and every jwt route requires one, so the gateway denies it too (403 there, 401 here).
    if (tokenUse === 'required' ? payload.token_use !== 'access' : (payload.token_use ?? 'access') !== 'access') {
      throw new Error('not an access token');
    }
  };
}

/** Starts the verifier with the keys the deploy fetched, if any (see `jwks` in config.ts). */
function seed(verifier: { cacheJwks(jwks: Jwks): void }, jwks: AuthConfig['jwks']): void {
  if (jwks) verifier.cacheJwks(jwks as Jwks);
}

function buildVerify(auth: AuthConfig, now: () => number): { verify: VerifyFn; hydrate: () => Promise<void> } {
  switch (auth.kind) {
    case 'cognito': {
      const verifier = CognitoJwtVerifier.create({
        userPoolId: auth.userPoolId,
        tokenUse: 'access',
        clientId: null, // checked by the shared audience rule, which also refuses an `aud` naming another API
        customJwtCheck: sharedChecks(auth.clientIds, now, 'required'),
      });
      seed(verifier, auth.jwks);
      return { verify: (token) => verifier.verify(token), hydrate: () => verifier.hydrate() };
    }
    case 'oidc': {
      const verifier = JwtVerifier.create({
        issuer: auth.issuer,
        audience: null, // the shared audience rule: `aud`, or `client_id` when there is no `aud`, as API Gateway
        ...(auth.jwksUri ? { jwksUri: auth.jwksUri } : {}),
        customJwtCheck: sharedChecks(auth.audience, now, 'if-present'),
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
          audience: null, // Cognito-shaped access tokens have no `aud`: the shared audience rule reads client_id.
          customJwtCheck: sharedChecks(auth.clientIds, now, 'required'),
        },
        { jwksCache },
      );
      seed(verifier, auth.jwks);
      return { verify: (token) => verifier.verify(token), hydrate: () => verifier.hydrate() };
    }
  }
}

export function createAccessTokenVerifier(auth: AuthConfig, options: VerifierOptions = {}): AccessTokenVerifier {
  const { verify, hydrate } = buildVerify(auth, options.now ?? systemClock);
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
      const scopes = tokenScopes(payload);
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
