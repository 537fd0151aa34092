import { GATEWAY_ANSWERS } from '@toolgate/core/openapi/gateway';
import { scope } from '@toolgate/core/scopes';
import { buildOpenApiDocument } from '@toolgate/functions/openapi/document';
import { GATEWAY_MESSAGES } from '@toolgate/local/gateway/responses';
import type { ObservedResponse } from '@toolgate/local/gateway/types';
import { describe, expect, it } from 'vitest';
import { contractTally, createContractChecker, type OpenApiDocument } from './support/contract';
import { getJson, useLocalRuntime } from './support/runtime';

/**
 * The contract check itself (issue 20): it must pass what the document describes and report what it does not,
 * or a green suite would prove nothing. Its unit cases feed it answers directly; the end-to-end case runs a real
 * runtime with a second checker that reads a copy of the document with one schema broken on purpose.
 */
const document = () => buildOpenApiDocument() as unknown as OpenApiDocument;

const answer = (overrides: Partial<ObservedResponse>): ObservedResponse => ({
  method: 'GET',
  path: '/health',
  routeKey: 'GET /health',
  preflight: false,
  status: 200,
  headers: { 'content-type': 'application/json' },
  body: Buffer.from('{"status":"ok"}'),
  ...overrides,
});

describe('the contract checker', () => {
  const checker = createContractChecker(document());

  it('passes answers the document describes: JSON bodies, gateway answers, bodiless and non-JSON ones', () => {
    expect(checker.check(answer({}))).toEqual([]);
    const gateway = { headers: { 'content-type': 'application/json' } };
    expect(
      checker.check(
        answer({ ...gateway, routeKey: 'GET /me', status: 401, body: Buffer.from('{"message":"Unauthorized"}') }),
      ),
    ).toEqual([]);
    expect(
      checker.check(
        answer({ ...gateway, routeKey: null, path: '/x', status: 404, body: Buffer.from('{"message":"Not Found"}') }),
      ),
    ).toEqual([]);
    expect(
      checker.check(answer({ routeKey: 'GET /catalog', status: 304, headers: {}, body: Buffer.alloc(0) })),
    ).toEqual([]);
    const html = { 'content-type': 'text/html; charset=UTF-8' };
    expect(
      checker.check(answer({ routeKey: 'GET /docs', headers: html, body: Buffer.from('<!doctype html>') })),
    ).toEqual([]);
    expect(checker.check(answer({ preflight: true, routeKey: null, status: 204, headers: {} }))).toEqual([]);
  });

  it.each([
    ['an undocumented status', answer({ status: 418 }), /status 418 is not documented/],
    ['an undocumented media type', answer({ headers: { 'content-type': 'text/plain' } }), /Content-Type text\/plain/],
    ['a body that breaks the schema', answer({ body: Buffer.from('{"status":"down"}') }), /\/status must be equal/],
    ['a body that is not JSON', answer({ body: Buffer.from('ok') }), /is not JSON/],
    [
      'a Problem where the gateway answers {message}',
      answer({
        routeKey: 'GET /me',
        status: 401,
        headers: { 'content-type': 'application/json' },
        body: Buffer.from('{}'),
      }),
      /must have required property 'message'/,
    ],
    [
      'a gateway message other than the documented one',
      answer({ routeKey: null, status: 404, body: Buffer.from('{"message":"Nope"}') }),
      /must be equal to constant/,
    ],
    ['a route the document lacks', answer({ routeKey: 'GET /secret' }), /not in the document/],
    [
      'a body on a bodiless answer',
      answer({ routeKey: 'GET /catalog', status: 304, body: Buffer.from('{}') }),
      /documented without a body/,
    ],
  ])('reports %s', (_, observed, expected) => {
    const mismatches = checker.check(observed);
    expect(mismatches).toHaveLength(1);
    expect(mismatches[0]).toMatch(expected);
  });

  it('compiles every schema the document has for a JSON answer (a pattern Ajv cannot read would hide there)', () => {
    const doc = document();
    let compiled = 0;
    for (const [path, item] of Object.entries(doc.paths)) {
      for (const [method, operation] of Object.entries(item)) {
        for (const [status, response] of Object.entries(operation.responses)) {
          for (const mediaType of Object.keys(response.content ?? {})) {
            if (!mediaType.includes('json')) continue;
            // Any body: the answer is that it ran without throwing on the schema.
            checker.check(
              answer({
                method: method.toUpperCase(),
                routeKey: `${method.toUpperCase()} ${path}`,
                status: Number(status),
                headers: { 'content-type': mediaType },
                body: Buffer.from('null'),
              }),
            );
            compiled += 1;
          }
        }
      }
    }
    expect(compiled).toBeGreaterThan(100);
  });
});

describe('the gateway answers in the document are the local gateway’s', () => {
  it('has one row per answer of packages/local/src/gateway/responses.ts, with the same message', () => {
    expect(
      Object.fromEntries(GATEWAY_ANSWERS.map((row) => [row.status, row.message])),
      'the local gateway answers differently: update packages/core/src/openapi/gateway.ts, then `pnpm docs:openapi`',
    ).toEqual(GATEWAY_MESSAGES);
  });
});

describe('the hook over a real runtime', () => {
  // A copy of the document whose Health schema says `status` is an integer: every GET /health must be reported.
  const broken = structuredClone(document()) as unknown as {
    paths: Record<
      string,
      Record<string, { responses: Record<string, { content: Record<string, { schema: unknown }> }> }>
    >;
  };
  const health = broken.paths['/health']?.get?.responses['200']?.content['application/json'];
  if (!health) throw new Error('the document has no GET /health 200 JSON answer');
  health.schema = { type: 'object', properties: { status: { type: 'integer' } }, required: ['status'] };
  const brokenChecker = createContractChecker(broken as unknown as OpenApiDocument);
  const reported: string[] = [];
  const runtime = useLocalRuntime({
    seed: false,
    gateway: { onResponse: (response) => reported.push(...brokenChecker.check(response)) },
  });

  it('reports a documented schema broken on purpose, while the true document passes the same answers', async () => {
    const before = contractTally.checked;
    const token = await runtime().issuer.mintAccessToken({ sub: 'contract-user', scopes: [scope('profile')] });
    expect((await getJson(`${runtime().url}/health`)).status).toBe(200);
    expect((await getJson(`${runtime().url}/me`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
    expect((await getJson(`${runtime().url}/me`)).status).toBe(401);
    expect(reported).toEqual([
      expect.stringMatching(
        /^GET \/health → 200: the body does not match the documented schema: \/status must be integer/,
      ),
    ]);
    // The suite-wide hook saw the same three answers and found them true to the real document.
    expect(contractTally.checked - before).toBe(3);
    expect(contractTally.mismatches).toEqual([]);
  });
});
