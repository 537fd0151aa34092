import { HTTP_TIERS, manifest, routeKey } from '@toolgate/core/manifest';
import { describe, expect, it } from 'vitest';
import { type TierDeps, tierApps } from './apps';

// Dependencies are never called while routes are registered; the policy only looks at what each app serves.
const inert = new Proxy({}, { get: () => () => Promise.reject(new Error('not used by the policy test')) });

function servedRoutes(tier: keyof TierDeps): string[] {
  const app = tierApps[tier](inert as never);
  return app.routes
    .filter((route) => route.method !== 'ALL') // middleware registered with app.use()
    .map((route) => `${route.method} ${route.path.replace(/:([A-Za-z0-9_]+)/g, '{$1}')}`);
}

describe('route manifest policy', () => {
  const tiers = Object.keys(tierApps) as (keyof TierDeps)[];

  it.each(tiers)('every route the %s tier serves is declared in the manifest for that tier', (tier) => {
    const declared = new Set(manifest.filter((route) => route.tier === tier).map(routeKey));
    const served = servedRoutes(tier);
    expect(served.length).toBeGreaterThan(0);
    for (const key of served) expect(declared, `${key} is served by ${tier} but not declared`).toContain(key);
  });

  it('every manifest route is served by its tier', () => {
    const served = new Set(tiers.flatMap((tier) => servedRoutes(tier).map((key) => `${tier} ${key}`)));
    for (const route of manifest) {
      expect(served, `${routeKey(route)} (${route.tier}) is declared but not served`).toContain(
        `${route.tier} ${routeKey(route)}`,
      );
    }
  });

  it('every HTTP tier with manifest routes has an app', () => {
    const tiersWithRoutes = new Set(manifest.map((route) => route.tier));
    for (const tier of HTTP_TIERS) if (tiersWithRoutes.has(tier)) expect(tiers).toContain(tier);
  });
});
