import { randomUUID } from 'node:crypto';
import { systemClock } from '@toolgate/core/clock';
import { type JWTHeaderParameters, type JWTPayload, SignJWT } from 'jose';
import { DEFAULT_TOKEN_LIFETIME_SECONDS, DEV_CLIENTS, DEV_ISSUER } from './constants';
import type { SigningKey } from './keys';

export interface AccessTokenRequest {
  sub: string;
  scopes: readonly string[];
  /** Defaults to the agent client. */
  clientId?: string;
  expiresInSeconds?: number;
  username?: string;
}

export interface IdTokenRequest {
  sub: string;
  clientId?: string;
  expiresInSeconds?: number;
  username?: string;
  email?: string;
}

export interface TokenMinter {
  /** A Cognito-shaped access token: `client_id` (no `aud`), `token_use: access`, space-separated `scope`. */
  mintAccessToken(request: AccessTokenRequest): Promise<string>;
  /** A Cognito-shaped ID token (`aud` = client id, `token_use: id`): APIs must reject it as a bearer token. */
  mintIdToken(request: IdTokenRequest): Promise<string>;
  /** Signs anything with the issuer's key, for tests that craft hostile tokens. Header defaults to RS256 + kid. */
  sign(payload: JWTPayload, header?: Partial<JWTHeaderParameters>): Promise<string>;
}

const nowSeconds = () => Math.floor(systemClock() / 1000);

export function createTokenMinter(key: SigningKey, issuer: string = DEV_ISSUER): TokenMinter {
  const sign: TokenMinter['sign'] = (payload, header = {}) =>
    new SignJWT(payload).setProtectedHeader({ alg: 'RS256', kid: key.kid, typ: 'JWT', ...header }).sign(key.privateKey);

  return {
    sign,
    mintAccessToken({ sub, scopes, clientId = DEV_CLIENTS.agent, expiresInSeconds, username }) {
      const iat = nowSeconds();
      return sign({
        sub,
        iss: issuer,
        client_id: clientId,
        token_use: 'access',
        scope: scopes.join(' '),
        auth_time: iat,
        iat,
        exp: iat + (expiresInSeconds ?? DEFAULT_TOKEN_LIFETIME_SECONDS),
        jti: randomUUID(),
        username: username ?? sub,
        version: 2,
      });
    },
    mintIdToken({ sub, clientId = DEV_CLIENTS.web, expiresInSeconds, username, email }) {
      const iat = nowSeconds();
      return sign({
        sub,
        iss: issuer,
        aud: clientId,
        token_use: 'id',
        auth_time: iat,
        iat,
        exp: iat + (expiresInSeconds ?? DEFAULT_TOKEN_LIFETIME_SECONDS),
        jti: randomUUID(),
        'cognito:username': username ?? sub,
        ...(email ? { email, email_verified: true } : {}),
      });
    },
  };
}
