import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Tier } from '@toolgate/core/concurrency';
import { routes } from '@toolgate/core/manifest';
import { ALL_SCOPES } from '@toolgate/core/scopes';
import { Client, StreamableHTTPClientTransport } from '@toolgate/functions/testing/mcp-client';
import type { LambdaHandler } from '@toolgate/local/gateway/types';
import type { SqsHandler } from '@toolgate/local/queue/poller';
import { sendStripeEvent } from '@toolgate/local/stripe-send';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { esbuildOptions } from '../packages/functions/build';
import { apiCaller, until, useLocalRuntime } from './support/runtime';
import { postToS3 } from './support/uploads';

/**
 * The other suites run the handlers from source. This one runs what `sst deploy` ships: each tier bundled with the
 * deployed esbuild options (minified, code-split, no `keepNames`), loaded by the local gateway and the jobs poller
 * in place of the sources, and driven through every kind of route once. It fails when bundling breaks something the
 * sources do not show: a lazily loaded chunk (MCP SDK, S3, SQS, Step Functions clients), a library that reads a
 * class name, a module that reads its configuration before the runtime set it. (The workflow's steps tier still
 * runs from source: the local Step Functions runner imports it itself.)
 */
const REPO = resolve(import.meta.dirname, '..');
const BUNDLED = ['public', 'api', 'webhook', 'worker'] as const satisfies readonly Tier[];
type Bundled = (typeof BUNDLED)[number];

let outdir: string;
const files = new Map<Bundled, string>();
/** The tiers whose bundle served a request: the last test checks that none fell back to the sources. */
const imported = new Set<Bundled>();

/** A handler that imports its bundle on first use: a tier reads its configuration when imported. */
function bundled<H extends (...args: never[]) => unknown>(tier: Bundled): H {
  let loaded: Promise<H> | undefined;
  return (async (...args: Parameters<H>) => {
    loaded ??= import(pathToFileURL(files.get(tier) as string).href).then((module) => {
      imported.add(tier);
      return module.handler as H;
    });
    return (await loaded)(...args);
  }) as unknown as H;
}

beforeAll(async () => {
  outdir = await mkdtemp(join(tmpdir(), 'toolgate-bundles-'));
  for (const tier of BUNDLED) {
    await build({ ...esbuildOptions(tier, outdir, REPO), logLevel: 'silent' });
    files.set(tier, join(outdir, tier, `${tier}.mjs`));
  }
}, 120_000);

afterAll(async () => {
  if (outdir) await rm(outdir, { recursive: true, force: true });
});

const runtime = useLocalRuntime({
  handlers: {
    public: bundled<LambdaHandler>('public'),
    api: bundled<LambdaHandler>('api'),
    webhook: bundled<LambdaHandler>('webhook'),
  },
  worker: bundled<SqsHandler>('worker'),
  workflowRetryIntervalMs: 5,
});

const newUser = () => `user-${randomUUID()}`;
const tokenFor = (sub: string) => runtime().issuer.mintAccessToken({ sub, scopes: ALL_SCOPES });
const call = apiCaller(runtime);

describe('the deployed bundles, through the local gateway', () => {
  it('public tier: the API reference page and its pinned assets, from the bundle’s own text chunks', async () => {
    const page = await fetch(`${runtime().url}/docs`);
    expect(page.status).toBe(200);
    const scripts = [...(await page.text()).matchAll(/(?:src|href)="(\/docs\/assets\/[^"]+)"/g)].map((m) => m[1]);
    expect(scripts).toHaveLength(3);
    for (const path of scripts) {
      // fetch asks for gzip and decodes it: the bytes arrive whole through the gateway's base64 round trip.
      const asset = await fetch(`${runtime().url}${path}`);
      expect(asset.status, path).toBe(200);
      expect(asset.headers.get('content-encoding'), path).toBe('gzip');
      expect((await asset.text()).length, path).toBeGreaterThan(path?.includes('reference.js') ? 100 : 100_000);
    }
  });

  it('public tier: a product with its ETag, a listing, and problem+json for a bad id', async () => {
    const product = await call(null, 'GET', '/catalog/gpu-a10g-hour');
    expect(product.status, JSON.stringify(product.body)).toBe(200);
    expect(product.body).toMatchObject({ id: 'gpu-a10g-hour', currency: 'USD' });
    expect(product.headers.get('etag')).toMatch(/^W\/"/);
    const page = await call(null, 'GET', '/catalog?limit=2');
    expect(page.body.items).toHaveLength(2);
    const bad = await call(null, 'GET', '/catalog/NOT_AN_ID');
    expect(bad.status).toBe(400);
    expect(bad.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(bad.body).toMatchObject({ type: 'urn:toolgate:problem:validation', status: 400 });
  });

  it('api tier: /me, REST tools, MCP and chat', async () => {
    const sub = newUser();
    const token = await tokenFor(sub);
    expect((await call(token, 'GET', '/me')).body).toMatchObject({ sub, plan: 'free' });

    const tools = await call(token, 'GET', '/tools');
    expect(tools.status).toBe(200);
    expect(tools.body.tools.map((tool: { name: string }) => tool.name)).toContain('catalog_get');
    const viaRest = await call(token, 'POST', '/tools/catalog_get', { id: 'gpu-a10g-hour' });
    expect(viaRest.status, JSON.stringify(viaRest.body)).toBe(200);

    // The MCP SDK is a chunk of its own, loaded by the first MCP request.
    const client = new Client({ name: 'toolgate-bundles-test', version: '1.0.0' });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(`${runtime().url}/mcp`), {
        requestInit: { headers: { Authorization: `Bearer ${token}` } },
      }),
    );
    try {
      expect((await client.listTools()).tools.map((tool) => tool.name)).toContain('catalog_get');
      const viaMcp = await client.callTool({ name: 'catalog_get', arguments: { id: 'gpu-a10g-hour' } });
      expect(viaMcp.structuredContent).toEqual(viaRest.body);
    } finally {
      await client.close();
    }

    const chat = await call(token, 'POST', '/chat', { message: 'tell me about gpu-a10g-hour' });
    expect(chat.status, JSON.stringify(chat.body)).toBe(200);
    expect(chat.body.toolCalls.map((toolCall: { name: string }) => toolCall.name)).toContain('catalog_get');
    const unknown = await call(token, 'GET', `/conversations/${randomUUID()}`);
    expect(unknown.status).toBe(404);
    expect(unknown.body).toMatchObject({ type: 'urn:toolgate:problem:not-found' });
  });

  it('api and worker tiers: a job is queued (SQS client chunk), run by the bundled worker, and read back', async () => {
    const token = await tokenFor(newUser());
    const submitted = await call(token, 'POST', '/jobs', { prompt: 'What does gpu-a10g-hour cost?' });
    expect(submitted.status, JSON.stringify(submitted.body)).toBe(202);
    const job = await until(
      () => call(token, 'GET', `/jobs/${submitted.body.jobId}`),
      (response) => response.body.status === 'SUCCEEDED' || response.body.status === 'FAILED',
    );
    expect(job.body, JSON.stringify(job.body)).toMatchObject({ status: 'SUCCEEDED' });
  });

  it('api tier: an upload by presigned POST (S3 chunks), completed and ingested (Step Functions chunk)', async () => {
    const token = await tokenFor(newUser());
    const body = '# Notes\n\nThe deployed bundle handled this upload.\n';
    const created = await call(token, 'POST', '/uploads', {
      filename: 'notes.md',
      contentType: 'text/markdown',
      size: Buffer.byteLength(body),
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect((await postToS3(created.body.post, body, 'text/markdown', 'notes.md')).status).toBe(204);
    const completed = await call(token, 'POST', `/uploads/${created.body.id}/complete`);
    expect(completed.status, JSON.stringify(completed.body)).toBe(202);
    const ready = await until(
      () => call(token, 'GET', `/uploads/${created.body.id}`),
      (response) => response.body.status === 'READY' || response.body.status === 'FAILED',
    );
    expect(ready.body, JSON.stringify(ready.body)).toMatchObject({ status: 'READY' });
  });

  it('webhook tier: a signed Stripe event applies once, a replay changes nothing, a bad signature is refused', async () => {
    const customer = { sub: newUser(), customer: `cus_${randomUUID().replaceAll('-', '').slice(0, 14)}` };
    const linked = await sendStripeEvent({ fixture: 'checkout.session.completed', url: runtime().url, ...customer });
    expect(linked).toMatchObject({ status: 200, response: { outcome: 'linked' } });
    const applied = await sendStripeEvent({
      fixture: 'customer.subscription.created',
      url: runtime().url,
      customer: customer.customer,
    });
    expect(applied).toMatchObject({ status: 200, response: { outcome: 'applied' } });
    expect((await call(await tokenFor(customer.sub), 'GET', '/me')).body.plan).toBe('pro');

    // A redelivery of one event id: processed once (Powertools idempotency over DynamoDB), then `duplicate`.
    const redelivery = { fixture: 'customer.subscription.updated', url: runtime().url, customer: customer.customer };
    await sendStripeEvent({ ...redelivery, replay: true });
    expect(await sendStripeEvent({ ...redelivery, replay: true })).toMatchObject({
      status: 200,
      response: { outcome: 'duplicate' },
    });

    const forged = await fetch(`${runtime().url}${routes.stripeWebhook.path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'stripe-signature': 't=1,v1=00' },
      body: '{}',
    });
    expect(forged.status).toBe(400);
    expect(await forged.json()).toMatchObject({ type: 'urn:toolgate:problem:invalid-signature' });
  });

  it('served every request above from the bundles, not from the sources', () => {
    expect([...imported].sort()).toEqual([...BUNDLED].sort());
  });
});
