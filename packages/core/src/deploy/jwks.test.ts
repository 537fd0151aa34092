import { describe, expect, it } from 'vitest';
import { fetchJwksAtDeploy, jwksUriOf } from './jwks';

const key = { kty: 'RSA', kid: 'k1', alg: 'RS256', use: 'sig', n: 'abc', e: 'AQAB' };
const answering = (status: number, body: unknown): typeof fetch =>
  (async () => new Response(JSON.stringify(body), { status })) as typeof fetch;

describe('JWKS seeded at deploy time', () => {
  it('knows where each issuer publishes its keys', () => {
    expect(jwksUriOf({ kind: 'cognito', region: 'eu-west-1', userPoolId: 'eu-west-1_Ab' })).toBe(
      'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Ab/.well-known/jwks.json',
    );
    expect(jwksUriOf({ kind: 'oidc', issuer: 'https://id.example.com/' })).toBe(
      'https://id.example.com/.well-known/jwks.json',
    );
    expect(jwksUriOf({ kind: 'oidc', issuer: 'https://id.example.com', jwksUri: 'https://keys.example.com/k' })).toBe(
      'https://keys.example.com/k',
    );
  });

  it('returns the key set as published', async () => {
    expect(await fetchJwksAtDeploy('https://x/jwks', { fetch: answering(200, { keys: [key] }) })).toEqual({
      keys: [key],
    });
  });

  it('never fails the deploy: any failure warns and seeds nothing', async () => {
    const warnings: string[] = [];
    const warn = (message: string) => warnings.push(message);
    const refused = (async () => {
      throw new TypeError('fetch failed');
    }) as typeof fetch;
    expect(await fetchJwksAtDeploy('https://x/jwks', { fetch: refused, warn })).toBeUndefined();
    expect(await fetchJwksAtDeploy('https://x/jwks', { fetch: answering(404, {}), warn })).toBeUndefined();
    expect(await fetchJwksAtDeploy('https://x/jwks', { fetch: answering(200, { keys: [] }), warn })).toBeUndefined();
    expect(await fetchJwksAtDeploy('https://x/jwks', { fetch: answering(200, '<html>'), warn })).toBeUndefined();
    expect(warnings).toHaveLength(4);
    expect(warnings[0]).toMatch(/no JWKS seeded from https:\/\/x\/jwks \(fetch failed\)/);
  });
});
