import { describe, expect, it } from 'vitest';
import {
  audienceMatches,
  claimsProblem,
  IAT_CLOCK_SKEW_SECONDS,
  tokenFromAuthorization,
  tokenScopes,
} from './token-rules';

const NOW = Date.UTC(2030, 0, 1);
const nowSeconds = NOW / 1000;
const TOKEN = 'aGVhZA.cGF5bG9hZA.c2ln';
const header = { alg: 'RS256', kid: 'k1' };
const payload = (overrides: Record<string, unknown> = {}) => ({
  iss: 'https://issuer',
  client_id: 'web',
  iat: nowSeconds,
  exp: nowSeconds + 600,
  ...overrides,
});
const check = (h: Record<string, unknown>, p: Record<string, unknown>) =>
  claimsProblem(h, p, { audiences: ['web'], now: NOW });

describe('token rules shared by the local JWT authorizer and the in-Lambda verifier', () => {
  it('reads the identity source as API Gateway does: "Bearer <token>" or the token alone', () => {
    expect(tokenFromAuthorization(`Bearer ${TOKEN}`)).toEqual({ ok: true, token: TOKEN });
    expect(tokenFromAuthorization(TOKEN)).toEqual({ ok: true, token: TOKEN });
    expect(tokenFromAuthorization(undefined)).toMatchObject({ ok: false, reason: 'missing' });
    expect(tokenFromAuthorization('Bearer ')).toMatchObject({ ok: false, reason: 'malformed' });
    expect(tokenFromAuthorization(`bearer ${TOKEN}`)).toMatchObject({ ok: false, reason: 'malformed' });
    expect(tokenFromAuthorization(`Basic ${TOKEN}`)).toMatchObject({ ok: false, reason: 'malformed' });
    expect(tokenFromAuthorization(`Bearer ${'a'.repeat(9000)}.b.c`)).toMatchObject({ ok: false, reason: 'too-large' });
  });

  it('reads scopes from scope or scp, as a space-separated string or a list', () => {
    expect(tokenScopes({ scope: 'a b' })).toEqual(['a', 'b']);
    expect(tokenScopes({ scp: 'a  b' })).toEqual(['a', 'b']);
    expect(tokenScopes({ scp: ['a', 'b', 7] })).toEqual(['a', 'b']);
    expect(tokenScopes({ scope: 'a', scp: 'b' })).toEqual(['a']);
    expect(tokenScopes({})).toEqual([]);
  });

  it('evaluates aud when present (one configured value suffices), client_id only without it', () => {
    expect(audienceMatches({ aud: 'other', client_id: 'web' }, ['web'])).toBe(false);
    expect(audienceMatches({ aud: ['other', 'web'] }, ['web'])).toBe(true);
    expect(audienceMatches({ client_id: 'web' }, ['web'])).toBe(true);
    expect(audienceMatches({}, ['web'])).toBe(false);
  });

  it('requires a numeric exp in the future, refuses crit, a missing kid, and iat beyond the skew', () => {
    expect(check(header, payload())).toBeNull();
    expect(check(header, payload({ exp: undefined }))).toMatch(/expiry/);
    expect(check(header, payload({ exp: String(nowSeconds + 600) }))).toMatch(/expiry/);
    expect(check(header, payload({ exp: nowSeconds }))).toMatch(/expired/);
    expect(check(header, payload({ nbf: nowSeconds + 1 }))).toMatch(/not valid yet/);
    expect(check(header, payload({ iat: nowSeconds + IAT_CLOCK_SKEW_SECONDS }))).toBeNull();
    expect(check(header, payload({ iat: nowSeconds + IAT_CLOCK_SKEW_SECONDS + 1 }))).toMatch(/future/);
    expect(check(header, payload({ iat: 'yesterday' }))).toMatch(/future/);
    expect(check({ ...header, crit: ['b64'], b64: true }, payload())).toMatch(/critical/);
    expect(check({ alg: 'RS256' }, payload())).toMatch(/key id/);
    expect(check(header, payload({ aud: 'other' }))).toMatch(/audience/);
  });
});
