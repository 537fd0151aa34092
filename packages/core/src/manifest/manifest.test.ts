import { describe, expect, it } from 'vitest';
import { scope } from '../scopes';
import { assertManifestValid, manifest, RouteMatcher, type RouteSpec, routeKey, routes, streamRoutes } from './index';

describe('route manifest', () => {
  it('is valid: unique keys, well-formed paths, reasons for every public route', () => {
    expect(() => assertManifestValid()).not.toThrow();
  });

  it('has no default auth: an entry without auth does not type-check', () => {
    // @ts-expect-error — `auth` is required; removing this line's error means the manifest accepts unauthenticated routes
    const missingAuth: RouteSpec = { method: 'GET', path: '/x', tier: 'api', summary: 'x' };
    expect(missingAuth).toBeDefined();
  });

  it('cannot put a jwt route in the public tier, or a public route in the api tier', () => {
    const jwtInPublic: RouteSpec = {
      method: 'GET',
      path: '/x',
      tier: 'public',
      // @ts-expect-error — the public tier only takes public routes
      auth: { kind: 'jwt', scopes: [scope('profile')] },
      summary: 'x',
    };
    const publicInApi: RouteSpec = {
      method: 'GET',
      path: '/y',
      tier: 'api',
      // @ts-expect-error — the api tier only takes jwt routes
      auth: { kind: 'public', reason: 'because it is convenient' },
      summary: 'y',
    };
    expect([jwtInPublic, publicInApi]).toHaveLength(2);
  });

  it('requires at least one scope on jwt routes', () => {
    const noScopes: RouteSpec = {
      method: 'GET',
      path: '/z',
      tier: 'api',
      // @ts-expect-error — an empty scope list would let any token through
      auth: { kind: 'jwt', scopes: [] },
      summary: 'z',
    };
    expect(() => assertManifestValid([noScopes])).toThrow(/names no scope/);
  });

  it('gives reasons that are true of what infra deploys: no CDN is deployed, so none is claimed', () => {
    for (const route of manifest) {
      if (route.auth.kind !== 'jwt') expect(route.auth.reason, routeKey(route)).not.toMatch(/\bCDN\b/i);
    }
  });

  it('rejects empty reasons, duplicates and bad paths at load time', () => {
    const base = { method: 'GET', tier: 'public', summary: 's' } as const;
    expect(() => assertManifestValid([{ ...base, path: '/a', auth: { kind: 'public', reason: '' } }])).toThrow(
      /reason/,
    );
    const ok = { ...base, path: '/a', auth: { kind: 'public', reason: 'a written reason' } } as const;
    expect(() => assertManifestValid([ok, ok])).toThrow(/duplicate/);
    expect(() => assertManifestValid([{ ...ok, path: 'a/b' }])).toThrow(/invalid path/);
  });

  it('lets only api (hence jwt) routes stream around the HTTP API, each with a written reason', () => {
    const streaming: RouteSpec = {
      method: 'POST',
      path: '/s',
      tier: 'api',
      auth: { kind: 'jwt', scopes: [scope('chat')] },
      stream: { via: 'function-url', reason: '' },
      summary: 's',
    };
    expect(() => assertManifestValid([streaming])).toThrow(/streams and needs a written reason/);
    const open: RouteSpec = {
      method: 'GET',
      path: '/o',
      tier: 'public',
      auth: { kind: 'public', reason: 'a written reason' },
      // @ts-expect-error — an open route cannot get a gateway-less stream
      stream: { via: 'function-url', reason: 'a written reason' },
      summary: 'o',
    };
    expect(open.tier).toBe('public');
    expect(streamRoutes().map(routeKey)).toEqual(['POST /chat']);
  });

  it('declares the foundation routes', () => {
    expect(manifest.map((route) => `${route.method} ${route.path}`)).toEqual(
      expect.arrayContaining(['GET /health', 'GET /catalog', 'GET /catalog/{id}', 'GET /me']),
    );
    expect(routes.me.auth).toEqual({ kind: 'jwt', scopes: ['toolgate/profile'] });
  });
});

describe('RouteMatcher', () => {
  const matcher = new RouteMatcher(manifest);

  it('matches literal and parameterised paths, decoding parameters', () => {
    expect(matcher.match('GET', '/catalog')).toMatchObject({ matched: { route: routes.catalogList, params: {} } });
    expect(matcher.match('GET', '/catalog/gpu-l4-hour')).toMatchObject({
      matched: { route: routes.catalogGet, params: { id: 'gpu-l4-hour' } },
    });
    expect(matcher.match('GET', '/catalog/a%20b')).toMatchObject({ matched: { params: { id: 'a b' } } });
  });

  it('reports the allowed methods when only the method is wrong, and nothing for unknown paths', () => {
    expect(matcher.match('POST', '/catalog')).toEqual({ matched: null, allowed: ['GET'] });
    expect(matcher.match('GET', '/nope')).toEqual({ matched: null, allowed: [] });
    expect(matcher.match('GET', '/catalog/a/b')).toEqual({ matched: null, allowed: [] });
    expect(matcher.match('GET', '/health/')).toEqual({ matched: null, allowed: [] });
  });
});
