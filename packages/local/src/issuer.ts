import { createServer } from 'node:http';
import type { JSONWebKeySet } from 'jose';
import { closeServer, httpUrl, listen } from './emulators/http-server';
import { LOOPBACK } from './emulators/types';
import { DEV_CLIENT_IDS, DEV_ISSUER } from './issuer/constants';
import { loadOrCreateSigningKey } from './issuer/keys';
import { createTokenMinter, type TokenMinter } from './issuer/tokens';

export {
  DEFAULT_TOKEN_LIFETIME_SECONDS,
  DEV_CLIENT_IDS,
  DEV_CLIENTS,
  DEV_ISSUER,
  type DevClient,
} from './issuer/constants';
export { loadOrCreateSigningKey, type SigningKey } from './issuer/keys';
export { type AccessTokenRequest, createTokenMinter, type IdTokenRequest, type TokenMinter } from './issuer/tokens';

export const JWKS_PATH = '/.well-known/jwks.json';

export interface DevIssuerOptions {
  /** Where the RSA key lives (`<repo>/.toolgate/keys` for `pnpm dev`; a temp dir in tests). */
  keysDir: string;
  host?: string;
  port?: number;
}

export interface DevIssuer extends TokenMinter {
  issuer: string;
  clientIds: readonly string[];
  kid: string;
  /** `http://127.0.0.1:<port>/.well-known/jwks.json` */
  jwksUri: string;
  jwks: JSONWebKeySet;
  publicKeyPem: string;
  stop(): Promise<void>;
}

/** The local stand-in for Cognito: one persisted RSA key, a JWKS on loopback, and Cognito-shaped tokens. */
export async function startDevIssuer(options: DevIssuerOptions): Promise<DevIssuer> {
  const key = await loadOrCreateSigningKey(options.keysDir);
  const jwks: JSONWebKeySet = { keys: [key.publicJwk] };
  const host = options.host ?? LOOPBACK;
  let base = '';

  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    let body: unknown;
    if (req.method === 'GET' && path === JWKS_PATH) body = jwks;
    else if (req.method === 'GET' && path === '/.well-known/openid-configuration') {
      body = { issuer: DEV_ISSUER, jwks_uri: `${base}${JWKS_PATH}`, id_token_signing_alg_values_supported: ['RS256'] };
    }
    if (body === undefined) {
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"message":"Not Found"}');
      return;
    }
    res
      .writeHead(200, { 'content-type': 'application/json', 'cache-control': 'max-age=300' })
      .end(JSON.stringify(body));
  });
  const { port } = await listen(server, options.port ?? 0, host);
  base = httpUrl(host, port);

  return {
    ...createTokenMinter(key, DEV_ISSUER),
    issuer: DEV_ISSUER,
    clientIds: DEV_CLIENT_IDS,
    kid: key.kid,
    jwksUri: `${base}${JWKS_PATH}`,
    jwks,
    publicKeyPem: key.publicKeyPem,
    stop: () => closeServer(server),
  };
}
