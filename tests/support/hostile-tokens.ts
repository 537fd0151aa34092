import { createHmac, generateKeyPairSync } from 'node:crypto';
import type { DevIssuer } from '@toolgate/local/issuer';
import { SignJWT } from 'jose';

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const now = () => Math.floor(Date.now() / 1000);

export interface HostileCase {
  name: string;
  /** The whole Authorization header value, or undefined for none. */
  authorization: string | undefined;
  /** 401 for every bad token; 403 only for a valid token that lacks the route's scope. */
  expected: 401 | 403;
  /**
   * What API Gateway's JWT authorizer answers when it differs. An ID token is signed by the issuer and its `aud`
   * is an allowed client id, so the authorizer accepts it and then finds no scope: 403. The Lambda's guard checks
   * `token_use` and answers 401.
   */
  gatewayExpected?: 401 | 403;
}

/**
 * Every way a bearer token should be refused. The same table runs through the local gateway (its JWT
 * authorizer) and directly against the Lambda handler with forged authorizer claims (the guard).
 */
export async function hostileTokens(issuer: DevIssuer, scope: string): Promise<HostileCase[]> {
  const claims = (overrides: Record<string, unknown> = {}) => ({
    sub: 'mallory',
    iss: issuer.issuer,
    client_id: issuer.clientIds[0],
    token_use: 'access',
    scope,
    iat: now(),
    exp: now() + 600,
    ...overrides,
  });
  const valid = await issuer.sign(claims());
  const [header, , signature] = valid.split('.');
  const other = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const hs256Head = `${b64({ alg: 'HS256', kid: issuer.kid, typ: 'JWT' })}.${b64(claims())}`;
  const hs256 = `${hs256Head}.${createHmac('sha256', issuer.publicKeyPem).update(hs256Head).digest('base64url')}`;
  const bearer = (token: string) => `Bearer ${token}`;

  return [
    { name: 'no Authorization header', authorization: undefined, expected: 401 },
    {
      name: 'alg: none',
      authorization: bearer(`${b64({ alg: 'none', typ: 'JWT' })}.${b64(claims())}.`),
      expected: 401,
    },
    { name: 'HS256 signed with the public key', authorization: bearer(hs256), expected: 401 },
    {
      name: 'expired',
      authorization: bearer(await issuer.sign(claims({ iat: now() - 7200, exp: now() - 3600 }))),
      expected: 401,
    },
    {
      name: 'nbf in the future',
      authorization: bearer(await issuer.sign(claims({ nbf: now() + 3600 }))),
      expected: 401,
    },
    {
      name: 'wrong issuer',
      authorization: bearer(await issuer.sign(claims({ iss: 'https://evil.example/issuer' }))),
      expected: 401,
    },
    {
      name: 'wrong client id',
      authorization: bearer(await issuer.sign(claims({ client_id: 'someone-else' }))),
      expected: 401,
    },
    {
      name: 'id token instead of access token',
      authorization: bearer(await issuer.mintIdToken({ sub: 'mallory' })),
      expected: 401,
      gatewayExpected: 403,
    },
    {
      name: 'unknown kid',
      authorization: bearer(await issuer.sign(claims(), { kid: 'not-a-known-key' })),
      expected: 401,
    },
    {
      name: 'signed by another key with the same kid',
      authorization: bearer(
        await new SignJWT(claims())
          .setProtectedHeader({ alg: 'RS256', kid: issuer.kid, typ: 'JWT' })
          .sign(other.privateKey),
      ),
      expected: 401,
    },
    {
      name: 'tampered payload',
      authorization: bearer(`${header}.${b64(claims({ sub: 'admin' }))}.${signature}`),
      expected: 401,
    },
    { name: 'malformed: 1 segment', authorization: bearer('abc'), expected: 401 },
    { name: 'malformed: 2 segments', authorization: bearer(`${header}.${b64(claims())}`), expected: 401 },
    { name: 'malformed: 4 segments', authorization: bearer(`${valid}.extra`), expected: 401 },
    { name: 'malformed: not base64 JSON', authorization: bearer('a.b.c'), expected: 401 },
    { name: 'no scheme', authorization: valid, expected: 401 },
    { name: 'Basic scheme', authorization: `Basic ${Buffer.from('user:password').toString('base64')}`, expected: 401 },
    { name: 'empty bearer', authorization: 'Bearer ', expected: 401 },
    { name: 'oversized header', authorization: bearer(`${header}.${'A'.repeat(9000)}.${signature}`), expected: 401 },
    {
      name: 'valid token without the scope',
      authorization: bearer(await issuer.sign(claims({ scope: 'toolgate/nothing' }))),
      expected: 403,
    },
  ];
}
