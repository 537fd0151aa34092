import { randomUUID } from 'node:crypto';
import { corsPolicy } from '@toolgate/core/deploy/gateway';
import { DEFAULT_STAGE, resolveStage, STAGES } from '@toolgate/core/deploy/stages';
import { HTTP_TIERS, type HttpMethod, manifest, type RouteSpec, routeKey } from '@toolgate/core/manifest';
import { ALL_SCOPES } from '@toolgate/core/scopes';
import { apiGatewayEvent, lambdaContext } from '@toolgate/functions/testing/events';
import { DEFAULT_ALLOWED_ORIGINS } from '@toolgate/local/runtime';
import { afterAll, describe, expect, it } from 'vitest';
import { useLocalRuntime } from './support/runtime';

/**
 * HTTP hygiene (issue 9) on every answer, derived from the manifest so that new routes are covered when they land:
 * `X-Content-Type-Options: nosniff` (Lambda answers and the local gateway's own), no framework banner, `no-store` on
 * every authenticated answer, and CORS only as the stage's explicit allow-list says (core's `corsPolicy`, which is
 * also what infra deploys).
 */
const previousLimits = process.env.TOOLGATE_LIMITS;
process.env.TOOLGATE_LIMITS = JSON.stringify({
  plans: {
    free: { requestsPerMinute: { standard: 10_000, tools: 10_000, chat: 10_000 }, chatTokensPerMonth: 10_000_000 },
    pro: { requestsPerMinute: { standard: 10_000, tools: 10_000, chat: 10_000 }, chatTokensPerMonth: 10_000_000 },
  },
});
afterAll(() => {
  if (previousLimits === undefined) delete process.env.TOOLGATE_LIMITS;
  else process.env.TOOLGATE_LIMITS = previousLimits;
});

const runtime = useLocalRuntime({ worker: null, gateway: { maxPayloadBytes: 64 * 1024 } });
const ALLOWED_ORIGIN = DEFAULT_ALLOWED_ORIGINS[0] as string;
const BANNERS = ['x-powered-by', 'server', 'x-aspnet-version', 'x-runtime', 'via'];

interface Probe {
  what: string;
  route: RouteSpec;
  method: HttpMethod;
  path: string;
  body?: string;
  token: boolean;
}

/** For each route: a plausible call, and one the handler must refuse (unknown id, invalid body or query). */
function probesFor(route: RouteSpec): Probe[] {
  const path = route.path.replace(/\{[^}]+\}/g, 'gpu-l4-hour');
  const badPath = route.path.replace(/\{[^}]+\}/g, '%00bad');
  const token = route.auth.kind === 'jwt';
  const probes: Probe[] = [{ what: 'plausible', route, method: route.method, path, token }];
  if (route.method === 'POST') {
    probes[0]!.body = route.path.startsWith('/tools/') ? '{"q":"gpu"}' : '{}';
    probes.push({ what: 'invalid JSON', route, method: route.method, path, body: '{"', token });
  } else {
    probes.push({ what: 'invalid query', route, method: route.method, path: `${badPath}?limit=-1&limit=x`, token });
  }
  return probes;
}

async function send(probe: Probe, token: string, origin?: string) {
  const response = await fetch(`${runtime().url}${probe.path}`, {
    method: probe.method,
    headers: {
      ...(probe.token ? { authorization: `Bearer ${token}` } : {}),
      ...(probe.body !== undefined ? { 'content-type': 'application/json' } : {}),
      accept: 'application/json, text/event-stream',
      ...(origin ? { origin } : {}),
    },
    ...(probe.body !== undefined ? { body: probe.body } : {}),
  });
  await response.arrayBuffer();
  return response;
}

const tokenFor = () => runtime().issuer.mintAccessToken({ sub: `hygiene-${randomUUID()}`, scopes: ALL_SCOPES });

describe('every Lambda answer, through the gateway', () => {
  it('has nosniff and no banner; every authenticated answer (success or error) is no-store', async () => {
    const token = await tokenFor();
    const seen = new Map<number, number>();
    for (const route of manifest) {
      for (const probe of probesFor(route)) {
        const response = await send(probe, token);
        const what = `${routeKey(route)} (${probe.what}) → ${response.status}`;
        seen.set(response.status, (seen.get(response.status) ?? 0) + 1);
        expect(response.headers.get('x-content-type-options'), what).toBe('nosniff');
        for (const banner of BANNERS) expect(response.headers.has(banner), `${what}: ${banner}`).toBe(false);
        if (route.auth.kind === 'jwt')
          expect(response.headers.get('cache-control') ?? '', what).toMatch(/\bno-store\b/);
        // Answers with a body say what it is (nosniff is only useful with a correct type).
        if (response.status !== 204 && response.status !== 304) {
          expect(response.headers.get('content-type'), what).toBeTruthy();
        }
      }
    }
    // Both successes and refusals were looked at.
    expect([...seen.keys()].some((status) => status < 300)).toBe(true);
    expect([...seen.keys()].some((status) => status >= 400)).toBe(true);
  }, 30_000);

  it('holds for answers the Lambda gives a direct invocation too (no gateway in between)', async () => {
    for (const tier of HTTP_TIERS) {
      const { handler } = (await import(`@toolgate/functions/handlers/${tier}`)) as {
        handler: (
          event: unknown,
          context: unknown,
        ) => Promise<{ statusCode: number; headers?: Record<string, string> }>;
      };
      const result = await handler(
        apiGatewayEvent('GET', '/no-such-route', { headers: { origin: 'https://evil.example' } }),
        lambdaContext(),
      );
      const headers = Object.fromEntries(Object.entries(result.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]));
      expect(result.statusCode, tier).toBe(404);
      expect(headers['x-content-type-options'], tier).toBe('nosniff');
      expect(headers['cache-control'], tier).toMatch(/no-store/);
      // CORS is the gateway's job alone: a Lambda that set its own headers would be a second, unreviewed policy.
      expect(
        Object.keys(headers).filter((name) => name.startsWith('access-control-')),
        tier,
      ).toEqual([]);
      for (const banner of BANNERS) expect(headers[banner], `${tier}: ${banner}`).toBeUndefined();
    }
  });
});

describe("the local gateway's own answers", () => {
  it('401, 403, 404, 413, 429 and CORS preflights carry nosniff and no banner', async () => {
    const url = runtime().url;
    const profileOnly = await runtime().issuer.mintAccessToken({ sub: 'hygiene', scopes: ['toolgate/profile'] });
    const answers = {
      401: await fetch(`${url}/me`),
      403: await fetch(`${url}/chat`, {
        method: 'POST',
        headers: { authorization: `Bearer ${profileOnly}` },
        body: '{}',
      }),
      404: await fetch(`${url}/nope`),
      413: await fetch(`${url}/chat`, { method: 'POST', body: 'x'.repeat(65 * 1024) }),
      204: await fetch(`${url}/me`, {
        method: 'OPTIONS',
        headers: { origin: ALLOWED_ORIGIN, 'access-control-request-method': 'GET' },
      }),
    };
    for (const [status, response] of Object.entries(answers)) {
      await response.arrayBuffer();
      expect(response.status).toBe(Number(status));
      expect(response.headers.get('x-content-type-options'), status).toBe('nosniff');
      for (const banner of BANNERS) expect(response.headers.has(banner), `${status}: ${banner}`).toBe(false);
    }
  });
});

describe('CORS: an explicit allow-list per stage, never a wildcard, never credentials', () => {
  it('every stage resolves to exact origins, and the policy refuses a wildcard', () => {
    for (const stage of ['dev', 'local', ...Object.keys(STAGES)]) {
      const policy = corsPolicy(resolveStage(stage));
      expect(policy, stage).not.toBeNull();
      expect(policy?.allowCredentials, stage).toBe(false);
      for (const origin of policy?.allowOrigins ?? []) expect(origin, stage).toMatch(/^https?:\/\/[^*/]+$/);
    }
    expect(() => corsPolicy({ allowedOrigins: ['*'] })).toThrow();
    expect(() => corsPolicy({ allowedOrigins: ['https://*.example.com'] })).toThrow();
  });

  it('the headers scripts need are exposed, and the headers clients send are allowed', () => {
    const policy = corsPolicy(DEFAULT_STAGE);
    for (const header of [
      'retry-after',
      'location',
      'etag',
      'ratelimit-limit',
      'ratelimit-remaining',
      'ratelimit-reset',
    ]) {
      expect(policy?.exposeHeaders).toContain(header);
    }
    for (const header of ['authorization', 'content-type', 'idempotency-key', 'if-none-match']) {
      expect(policy?.allowHeaders).toContain(header);
    }
  });

  it('the local gateway answers CORS exactly as that policy: the allowed origin echoed, any other ignored', async () => {
    const policy = corsPolicy({ allowedOrigins: [...DEFAULT_ALLOWED_ORIGINS] });
    const url = runtime().url;
    const token = await tokenFor();
    const preflight = await fetch(`${url}/chat`, {
      method: 'OPTIONS',
      headers: {
        origin: ALLOWED_ORIGIN,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization,content-type',
      },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe(ALLOWED_ORIGIN);
    expect(preflight.headers.get('access-control-allow-credentials')).toBeNull();
    expect(preflight.headers.get('access-control-allow-headers')?.split(',').sort()).toEqual(
      [...(policy?.allowHeaders ?? [])].sort(),
    );

    const allowed = await fetch(`${url}/me`, { headers: { origin: ALLOWED_ORIGIN, authorization: `Bearer ${token}` } });
    expect(allowed.headers.get('access-control-allow-origin')).toBe(ALLOWED_ORIGIN);
    expect(allowed.headers.get('access-control-expose-headers')?.split(',').sort()).toEqual(
      [...(policy?.exposeHeaders ?? [])].sort(),
    );
    expect(allowed.headers.get('vary')?.toLowerCase()).toContain('origin');

    for (const origin of ['https://evil.example', 'null', `${ALLOWED_ORIGIN}.evil.example`]) {
      const refused = await fetch(`${url}/me`, { headers: { origin, authorization: `Bearer ${token}` } });
      expect(refused.headers.get('access-control-allow-origin'), origin).toBeNull();
      const refusedPreflight = await fetch(`${url}/me`, {
        method: 'OPTIONS',
        headers: { origin, 'access-control-request-method': 'GET' },
      });
      expect(refusedPreflight.headers.get('access-control-allow-origin'), origin).toBeNull();
    }
    await allowed.arrayBuffer();
  });
});
