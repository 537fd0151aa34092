import { stat } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { createAccessTokenVerifier } from '@toolgate/core/auth/verifier';
import { ServiceUnavailableError } from '@toolgate/core/errors';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEV_CLIENT_IDS, DEV_ISSUER, type DevIssuer, loadOrCreateSigningKey, startDevIssuer } from './issuer';
import { temporaryDir } from './testing/fixtures';

let dir: Awaited<ReturnType<typeof temporaryDir>>;
let issuer: DevIssuer;

beforeAll(async () => {
  dir = await temporaryDir();
  issuer = await startDevIssuer({ keysDir: join(dir.path, 'keys') });
});
afterAll(async () => {
  await issuer.stop();
  await dir.remove();
});

describe('dev issuer keys', () => {
  it('keeps the private key owner-only and reuses it', async () => {
    const keysDir = join(dir.path, 'keys');
    const file = await stat(join(keysDir, 'dev-issuer-private.pem'));
    expect(file.mode & 0o777).toBe(0o600);
    expect((await loadOrCreateSigningKey(keysDir)).kid).toBe(issuer.kid);
  });

  it('ends with one key when many loaders race on an empty folder', async () => {
    const keysDir = join(dir.path, 'race');
    const keys = await Promise.all(Array.from({ length: 5 }, () => loadOrCreateSigningKey(keysDir)));
    expect(new Set(keys.map((key) => key.kid)).size).toBe(1);
  });
});

describe('JWKS endpoint', () => {
  it('serves the public key only', async () => {
    expect(issuer.jwksUri).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\.well-known\/jwks\.json$/);
    const jwks = (await (await fetch(issuer.jwksUri)).json()) as { keys: Record<string, unknown>[] };
    expect(jwks.keys).toHaveLength(1);
    expect(jwks.keys[0]).toMatchObject({ kty: 'RSA', kid: issuer.kid, alg: 'RS256', use: 'sig' });
    expect(jwks.keys[0]).not.toHaveProperty('d');
  });
});

describe('tokens', () => {
  it('mints Cognito-shaped access tokens', async () => {
    const token = await issuer.mintAccessToken({ sub: 'user-1', scopes: ['toolgate/profile', 'toolgate/chat'] });
    expect(decodeProtectedHeader(token)).toEqual({ alg: 'RS256', kid: issuer.kid, typ: 'JWT' });
    const claims = decodeJwt(token);
    expect(claims).toMatchObject({
      sub: 'user-1',
      iss: DEV_ISSUER,
      client_id: 'toolgate-local-agent',
      token_use: 'access',
      scope: 'toolgate/profile toolgate/chat',
      username: 'user-1',
    });
    expect(claims).not.toHaveProperty('aud');
    expect(claims.exp! - claims.iat!).toBe(3600);
    expect(typeof claims.auth_time).toBe('number');
    expect(typeof claims.jti).toBe('string');
  });

  it('mints ID tokens with aud and token_use id', async () => {
    const claims = decodeJwt(await issuer.mintIdToken({ sub: 'user-1', clientId: 'toolgate-local-web' }));
    expect(claims).toMatchObject({ aud: 'toolgate-local-web', token_use: 'id', sub: 'user-1' });
  });

  it('produces tokens that core verifies through the served JWKS, and rejects ID tokens', async () => {
    const verifier = createAccessTokenVerifier({
      kind: 'local',
      issuer: issuer.issuer,
      clientIds: [...DEV_CLIENT_IDS],
      jwksUri: issuer.jwksUri,
    });
    const caller = await verifier.verify(
      await issuer.mintAccessToken({ sub: 'user-1', scopes: ['toolgate/profile'], clientId: 'toolgate-local-web' }),
      ['toolgate/profile'],
    );
    expect(caller).toMatchObject({ sub: 'user-1', clientId: 'toolgate-local-web', scopes: ['toolgate/profile'] });
    await expect(verifier.verify(await issuer.mintIdToken({ sub: 'user-1' }), null)).rejects.toThrow();
  });

  it('answers 503 (never 401 or 500) when the JWKS cannot be loaded: issuer down, or not serving its keys', async () => {
    const notFound = createServer((_request, response) => response.writeHead(404).end());
    await new Promise<void>((resolve) => notFound.listen(0, '127.0.0.1', resolve));
    const port = (notFound.address() as AddressInfo).port;
    const verifierAt = (jwksUri: string) =>
      createAccessTokenVerifier({ kind: 'local', issuer: issuer.issuer, clientIds: [...DEV_CLIENT_IDS], jwksUri });
    const token = await issuer.mintAccessToken({ sub: 'user-1', scopes: ['toolgate/profile'] });
    try {
      await expect(verifierAt(`http://127.0.0.1:${port}/jwks.json`).verify(token, null)).rejects.toBeInstanceOf(
        ServiceUnavailableError,
      );
    } finally {
      await new Promise((resolve) => notFound.close(resolve));
    }
    // The same port, closed now: connection refused.
    await expect(verifierAt(`http://127.0.0.1:${port}/jwks.json`).verify(token, null)).rejects.toBeInstanceOf(
      ServiceUnavailableError,
    );
  });

  it('verifies with seeded keys without fetching the JWKS, and still fetches for a key id it was not given', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const unreachable = `http://127.0.0.1:${(closed.address() as AddressInfo).port}/jwks.json`;
    await new Promise((resolve) => closed.close(resolve));
    const seeded = createAccessTokenVerifier({
      kind: 'local',
      issuer: issuer.issuer,
      clientIds: [...DEV_CLIENT_IDS],
      jwksUri: unreachable,
      jwks: issuer.jwks as { keys: { kty: string }[] },
    });
    const token = await issuer.mintAccessToken({ sub: 'user-1', scopes: ['toolgate/profile'] });
    expect(await seeded.verify(token, ['toolgate/profile'])).toMatchObject({ sub: 'user-1' });

    // Keys seeded for another key id: the verifier goes to the (unreachable) issuer, as after a key rotation.
    const stale = createAccessTokenVerifier({
      kind: 'local',
      issuer: issuer.issuer,
      clientIds: [...DEV_CLIENT_IDS],
      jwksUri: unreachable,
      jwks: { keys: issuer.jwks.keys.map((key) => ({ ...key, kty: 'RSA', kid: 'rotated-away' })) },
    });
    await expect(stale.verify(token, null)).rejects.toBeInstanceOf(ServiceUnavailableError);
  });
});
