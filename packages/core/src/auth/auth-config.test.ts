import { describe, expect, it } from 'vitest';
import { readConfig } from '../config-schema';

/** The Auth link as the deploy writes it: with the issuer's keys when it could fetch them, without otherwise. */
describe('auth configuration', () => {
  const deployed = { AWS_REGION: 'us-east-1', SST_RESOURCE_App: '{}' };
  const resources = (auth: Record<string, unknown>) => ({
    App: { stage: 'prod' },
    Table: { name: 't' },
    Uploads: { name: 'b' },
    Auth: { kind: 'cognito', userPoolId: 'us-east-1_abc', clientIds: ['c'], ...auth },
  });
  const key = { kty: 'RSA', kid: 'k1', alg: 'RS256', use: 'sig', n: 'abc', e: 'AQAB' };

  it('keeps the keys the deploy fetched, every field of each key included', () => {
    expect(readConfig(deployed, resources({ jwks: { keys: [key] } })).auth).toEqual({
      kind: 'cognito',
      userPoolId: 'us-east-1_abc',
      clientIds: ['c'],
      jwks: { keys: [key] },
    });
  });

  it('runs without them (the verifier then fetches the JWKS on the first request)', () => {
    expect(readConfig(deployed, resources({})).auth).not.toHaveProperty('jwks');
  });

  it('refuses a key set that is not one (the init fails rather than the first request)', () => {
    expect(() => readConfig(deployed, resources({ jwks: { keys: [] } }))).toThrow(/auth\.jwks\.keys/);
    expect(() => readConfig(deployed, resources({ jwks: { keys: [{ kid: 'k1' }] } }))).toThrow(/auth\.jwks/);
  });
});
