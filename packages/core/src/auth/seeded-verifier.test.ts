import { createSign, generateKeyPairSync } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { ServiceUnavailableError, UnauthorizedError } from '../errors';
import { createAccessTokenVerifier } from './verifier';

/**
 * The deployed verifiers (Cognito, OIDC) with the keys `sst deploy` seeds in the Auth link: they verify with no
 * network at all (without the seed they would fetch the JWKS from the issuer over HTTPS).
 */
const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const jwks = {
  keys: [{ ...publicKey.export({ format: 'jwk' }), kty: 'RSA', kid: 'seeded', alg: 'RS256', use: 'sig' }],
};

const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
function sign(claims: Record<string, unknown>, kid = 'seeded'): string {
  const now = Math.floor(Date.now() / 1000);
  const unsigned = `${b64({ alg: 'RS256', typ: 'JWT', kid })}.${b64({ iat: now, exp: now + 600, ...claims })}`;
  return `${unsigned}.${createSign('RSA-SHA256').update(unsigned).sign(privateKey).toString('base64url')}`;
}

const POOL = 'us-east-1_Seeded';
const COGNITO_ISSUER = `https://cognito-idp.us-east-1.amazonaws.com/${POOL}`;
const cognitoToken = (kid?: string) =>
  sign({ sub: 'u1', iss: COGNITO_ISSUER, token_use: 'access', client_id: 'web', scope: 'toolgate/profile' }, kid);

describe('verifiers seeded with the deploy-time JWKS', () => {
  it('Cognito: verifies offline', async () => {
    const verifier = createAccessTokenVerifier({ kind: 'cognito', userPoolId: POOL, clientIds: ['web'], jwks });
    expect(await verifier.verify(cognitoToken(), ['toolgate/profile'])).toMatchObject({ sub: 'u1', clientId: 'web' });
  });

  it('OIDC: verifies offline', async () => {
    const issuer = 'https://id.invalid';
    const verifier = createAccessTokenVerifier({ kind: 'oidc', issuer, audience: ['api'], jwks });
    const token = sign({ sub: 'u2', iss: issuer, aud: 'api', scope: 'toolgate/profile' });
    expect(await verifier.verify(token, ['toolgate/profile'])).toMatchObject({ sub: 'u2' });
  });

  it('Cognito: refuses an `aud` naming another API next to a valid client_id, as API Gateway does', async () => {
    const verifier = createAccessTokenVerifier({ kind: 'cognito', userPoolId: POOL, clientIds: ['web'], jwks });
    const token = sign({ sub: 'u1', iss: COGNITO_ISSUER, token_use: 'access', client_id: 'web', aud: 'other-api' });
    await expect(verifier.verify(token, null)).rejects.toBeInstanceOf(UnauthorizedError);
  });

  it('OIDC: reads client_id when the token has no aud, and scopes from an scp string (Entra ID)', async () => {
    const issuer = 'https://id.invalid';
    const verifier = createAccessTokenVerifier({ kind: 'oidc', issuer, audience: ['api'], jwks });
    const token = sign({ sub: 'u3', iss: issuer, client_id: 'api', scp: 'other toolgate/profile' });
    expect(await verifier.verify(token, ['toolgate/profile'])).toMatchObject({ sub: 'u3', clientId: 'api' });
  });

  it('takes the time from `now`: an iat ahead of it beyond the skew is refused, the same token later passes', async () => {
    const issuer = 'https://id.invalid';
    const iat = Math.floor(Date.now() / 1000);
    const token = sign({ sub: 'u4', iss: issuer, aud: 'api', iat, exp: iat + 3600 });
    const at = (ms: number) =>
      createAccessTokenVerifier({ kind: 'oidc', issuer, audience: ['api'], jwks }, { now: () => ms });
    await expect(at(iat * 1000 - 60_000).verify(token, null)).rejects.toBeInstanceOf(UnauthorizedError);
    expect(await at(iat * 1000).verify(token, null)).toMatchObject({ sub: 'u4' });
  });

  it('a key id the seed lacks sends the verifier to the issuer (refused here: 503), as without a seed', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const jwksUri = `https://127.0.0.1:${(closed.address() as AddressInfo).port}/jwks.json`;
    await new Promise((resolve) => closed.close(resolve));
    const issuer = 'https://id.invalid';
    const token = sign({ sub: 'u2', iss: issuer, aud: 'api' }, 'rotated');
    const seeded = createAccessTokenVerifier({ kind: 'oidc', issuer, audience: ['api'], jwksUri, jwks });
    await expect(seeded.verify(token, null)).rejects.toBeInstanceOf(ServiceUnavailableError);
  });
});
