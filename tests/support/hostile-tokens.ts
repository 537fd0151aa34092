import { createHmac, generateKeyPairSync } from 'node:crypto';
import type { DevIssuer } from '@toolgate/local/issuer';
import { SignJWT } from 'jose';

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const now = () => Math.floor(Date.now() / 1000);

export interface HostileCase {
  name: string;
  /** The whole Authorization header value, or undefined for none. */
  authorization: string | undefined;
  /**
   * The one verdict the gateway and the Lambda must both reach. A denied token gets 401, or 403 when it is valid
   * but lacks the route's scope.
   */
  expected: 200 | 401 | 403;
  /**
   * What API Gateway's JWT authorizer answers when it differs (never in verdict, only in status). An ID token is
   * signed by the issuer and its `aud` is an allowed client id, so the authorizer accepts it and then finds no
   * scope: 403. The Lambda's guard checks `token_use` and answers 401.
   */
  gatewayExpected?: 401 | 403;
  /**
   * Whose rule decides the row: API Gateway's JWT authorizer as AWS documents it, or toolgate's own, stricter
   * rule (both the local gateway and the Lambda apply it; on AWS the gateway may let such a token through and the
   * Lambda then refuses it). docs/fidelity.md lists the rows.
   */
  rule: 'aws' | 'toolgate';
}

/**
 * Tokens at the edges of API Gateway's JWT authorizer rules, accepted and refused. The same table runs through the
 * local gateway (its JWT authorizer, then the Lambda) and directly against each tier's Lambda handler with forged
 * authorizer claims (the guard alone); the verdicts must be the same.
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
  const { scope: _scope, ...withoutScope } = claims();
  const { exp: _exp, ...withoutExp } = claims();
  const years = 3 * 365 * 24 * 3600;

  const rows: Omit<HostileCase, 'rule'>[] = [
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
    { name: 'malformed: no Bearer prefix and not a token', authorization: 'not-a-token', expected: 401 },
    { name: 'Basic scheme', authorization: `Basic ${Buffer.from('user:password').toString('base64')}`, expected: 401 },
    { name: 'empty bearer', authorization: 'Bearer ', expected: 401 },
    {
      name: 'valid token without the scope',
      authorization: bearer(await issuer.sign(claims({ scope: 'toolgate/nothing' }))),
      expected: 403,
    },
    { name: 'valid token', authorization: bearer(valid), expected: 200 },
    // API Gateway's identity source may be "the token alone", and the header reaches the Lambda unchanged.
    { name: 'bare token, no Bearer prefix', authorization: valid, expected: 200 },
    {
      name: 'scp as a space-separated string (Entra ID)',
      authorization: bearer(await issuer.sign({ ...withoutScope, scp: `toolgate/nothing ${scope}` })),
      expected: 200,
    },
    {
      name: 'scp as a list (Okta)',
      authorization: bearer(await issuer.sign({ ...withoutScope, scp: ['toolgate/nothing', scope] })),
      expected: 200,
    },
    {
      name: 'aud naming a configured client among others',
      authorization: bearer(await issuer.sign(claims({ aud: ['another-api', issuer.clientIds[0]] }))),
      expected: 200,
    },
    {
      name: 'aud naming another API next to a valid client_id',
      authorization: bearer(await issuer.sign(claims({ aud: 'another-api' }))),
      expected: 401,
    },
    { name: 'no exp', authorization: bearer(await issuer.sign(withoutExp)), expected: 401 },
    {
      name: 'exp not a number',
      authorization: bearer(await issuer.sign(claims({ exp: String(now() + 600) }))),
      expected: 401,
    },
    {
      name: 'iat years in the future',
      authorization: bearer(await issuer.sign(claims({ iat: now() + years, exp: now() + years + 600 }))),
      expected: 401,
    },
    { name: 'oversized header', authorization: bearer(`${header}.${'A'.repeat(9000)}.${signature}`), expected: 401 },
    {
      name: 'iat beyond the clock skew',
      authorization: bearer(await issuer.sign(claims({ iat: now() + 600 }))),
      expected: 401,
    },
    { name: 'no kid', authorization: bearer(await issuer.sign(claims(), { kid: undefined })), expected: 401 },
  ];
  const toolgateRows: Omit<HostileCase, 'rule'>[] = [
    // jose honours `b64` and aws-jwt-verify ignores `crit`: each library alone would accept this token.
    {
      name: 'crit header (b64)',
      authorization: bearer(await issuer.sign(claims(), { crit: ['b64'], b64: true })),
      expected: 401,
    },
    // API Gateway documents no leeway for iat; toolgate allows a few seconds on both sides (token-rules.ts).
    {
      name: 'iat 3 s ahead (within the clock skew both sides allow)',
      authorization: bearer(await issuer.sign(claims({ iat: now() + 3 }))),
      expected: 200,
    },
    {
      name: 'id token instead of access token',
      authorization: bearer(await issuer.mintIdToken({ sub: 'mallory' })),
      expected: 401,
      gatewayExpected: 403,
    },
  ];
  return [
    ...rows.map((row) => ({ ...row, rule: 'aws' as const })),
    ...toolgateRows.map((row) => ({ ...row, rule: 'toolgate' as const })),
  ];
}
