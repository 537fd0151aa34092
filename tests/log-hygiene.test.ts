import { randomUUID } from 'node:crypto';
import { LOCAL_STRIPE_WEBHOOK_SECRET } from '@toolgate/core/config-reader';
import { ALL_SCOPES } from '@toolgate/core/scopes';
import { afterAll, describe, expect, it } from 'vitest';
import { captureProcessOutput } from './support/output-capture';
import { apiCaller, generousPlans, getJson, until, useLocalRuntime } from './support/runtime';
import { signedStripeRequest } from './support/stripe-events';
import { postToS3 } from './support/uploads';

/**
 * Log hygiene (issue 9): one realistic session — tokens, tools, chat, MCP, a signed Stripe webhook, an upload by
 * presigned POST through ingestion, a job whose result is served by presigned GET, and the refusals in between —
 * with every handler logging at DEBUG and the gateway's access log on, while everything this process writes to
 * stdout, stderr or the console is captured. No token, signature, secret, presigned credential or Authorization
 * value may appear in any of it.
 */

// Read by the handlers' loggers when the runtime imports them (the suite default is SILENT).
const previous = {
  POWERTOOLS_LOG_LEVEL: process.env.POWERTOOLS_LOG_LEVEL,
  TOOLGATE_JOBS: process.env.TOOLGATE_JOBS,
  TOOLGATE_LIMITS: process.env.TOOLGATE_LIMITS,
};
process.env.POWERTOOLS_LOG_LEVEL = 'DEBUG';
// Every job result goes to S3 and comes back as a presigned GET: one more credential that must stay out of logs.
process.env.TOOLGATE_JOBS = JSON.stringify({ inlineResultMaxBytes: 0, retryDelaySeconds: 1 });
process.env.TOOLGATE_LIMITS = JSON.stringify({
  plans: generousPlans(10_000_000),
});

/** Everything written while the session runs, from the first handler import to the last request. */
const captured = captureProcessOutput();
afterAll(() => {
  for (const [name, value] of Object.entries(previous)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
});

// quiet: false — the gateway's access log and its integration errors are part of what must stay clean.
const runtime = useLocalRuntime({ quiet: false, workflowRetryIntervalMs: 5 });

/** Values that must never be logged, with what they are (for the failure message). */
const secrets = new Map<string, string>();
const secret = (value: string | undefined | null, what: string) => {
  if (value && value.length >= 8) secrets.set(value, what);
};

const call = apiCaller(runtime);

describe('a whole session with DEBUG logs captured', () => {
  it('runs the session', async () => {
    const sub = `log-${randomUUID()}`;
    const token = await runtime().issuer.mintAccessToken({ sub, scopes: ALL_SCOPES });
    const idToken = await runtime().issuer.mintIdToken({ sub });
    const forged = await runtime().issuer.sign({ sub: 'intruder', scope: 'toolgate/profile', token_use: 'access' });
    for (const [value, what] of [
      [token, 'access token'],
      [idToken, 'ID token'],
      [forged, 'forged token'],
    ] as const) {
      secret(value, what);
      secret(value.split('.')[2], `${what} signature`);
    }
    secret(LOCAL_STRIPE_WEBHOOK_SECRET, 'Stripe webhook secret');

    // Auth: accepted, refused at the gateway, refused in the Lambda, a token where it does not belong.
    expect((await call(token, 'GET', '/me')).status).toBe(200);
    expect([401, 403]).toContain((await call(idToken, 'GET', '/me')).status);
    expect([401, 403]).toContain((await call(forged, 'GET', '/me')).status);
    expect((await call(null, 'GET', `/me?access_token=${token}`)).status).toBe(401);
    expect((await call(token, 'GET', '/catalog?limit=2')).status).toBe(200);
    expect((await call(null, 'GET', '/catalog?limit=2', undefined, { cookie: `session=${token}` })).status).toBe(200);

    // Tools, MCP, chat (and their refusals).
    expect((await call(token, 'GET', '/tools')).status).toBe(200);
    expect((await call(token, 'POST', '/tools/catalog_search', { q: 'gpu', limit: 2 })).status).toBe(200);
    expect((await call(token, 'POST', '/tools/catalog_search', '{"q":')).status).toBe(400);
    const mcp = await call(
      token,
      'POST',
      '/mcp',
      { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'account_get', arguments: {} } },
      { accept: 'application/json, text/event-stream' },
    );
    expect(mcp.status).toBe(200);
    const chat = await call(token, 'POST', '/chat', { message: 'find the cheapest gpu and tell me its price' });
    expect(chat.status).toBe(200);
    expect((await call(token, 'GET', `/conversations/${chat.body.conversationId}`)).status).toBe(200);

    // Billing: a signed delivery linking this user, a forged one, a replayed one.
    const checkout = await signedStripeRequest('checkout.session.completed', { sub });
    secret(checkout.signature, 'Stripe-Signature header');
    secret(/v1=([0-9a-f]+)/.exec(checkout.signature)?.[1], 'Stripe v1 signature');
    expect((await getJson(`${runtime().url}/webhooks/stripe`, checkout)).status).toBe(200);
    const created = await signedStripeRequest('customer.subscription.created');
    secret(created.signature, 'Stripe-Signature header');
    expect((await getJson(`${runtime().url}/webhooks/stripe`, created)).status).toBe(200);
    const tampered = { ...created, body: created.body.replace('"active"', '"ACTIVE"') };
    expect((await getJson(`${runtime().url}/webhooks/stripe`, tampered)).status).toBe(400);

    // Uploads: a presigned POST (its policy and signature are credentials), the upload, ingestion.
    const text = 'Invoice 42: the GPU hours of November. Total due 120 USD.\n';
    const upload = await call(token, 'POST', '/uploads', {
      filename: 'invoice.txt',
      contentType: 'text/plain',
      size: Buffer.byteLength(text),
    });
    expect(upload.status).toBe(201);
    const fields = upload.body.post.fields as Record<string, string>;
    secret(fields['X-Amz-Signature'], 'presigned POST signature');
    secret(fields.Policy, 'presigned POST policy');
    secret(fields['X-Amz-Security-Token'], 'session token');
    expect((await postToS3(upload.body.post, text, 'text/plain', 'invoice.txt')).status).toBe(204);
    expect((await call(token, 'POST', `/uploads/${upload.body.id}/complete`)).status).toBe(202);
    const ready = await until(
      () => call(token, 'GET', `/uploads/${upload.body.id}`),
      (answer) => ['READY', 'FAILED'].includes(answer.body.status),
    );
    expect(ready.body.status).toBe('READY');
    expect((await call(token, 'POST', '/uploads/00000000-0000-4000-8000-000000000000/complete')).status).toBe(404);

    // Jobs: queued with an idempotency key, run by the worker, the result behind a presigned GET.
    const key = `log-hygiene-${randomUUID()}`;
    const job = await call(token, 'POST', '/jobs', { prompt: 'find the cheapest gpu' }, { 'idempotency-key': key });
    expect(job.status).toBe(202);
    const done = await until(
      () => call(token, 'GET', `/jobs/${job.body.jobId}`),
      (answer) => ['SUCCEEDED', 'FAILED'].includes(answer.body.status),
    );
    expect(done.body.status).toBe('SUCCEEDED');
    expect(done.body.resultUrl).toContain('X-Amz-Signature=');
    const resultUrl = new URL(done.body.resultUrl);
    secret(resultUrl.searchParams.get('X-Amz-Signature'), 'presigned GET signature');
    secret(resultUrl.searchParams.get('X-Amz-Credential'), 'presigned GET credential');
    expect((await fetch(resultUrl)).status).toBe(200);
  }, 60_000);

  it('logged at DEBUG/INFO from every part of the session, and never a secret', () => {
    const lines = captured.join('').split('\n').filter(Boolean);
    const json = lines.flatMap((line) => {
      try {
        return [JSON.parse(line) as Record<string, unknown>];
      } catch {
        return [];
      }
    });
    // The capture really saw the session: structured lines from each Lambda tier, the worker, the steps.
    const tiers = new Set(json.map((entry) => entry.tier ?? entry.component).filter(Boolean));
    for (const tier of ['public', 'api', 'webhook', 'steps']) expect(tiers, `no log line from ${tier}`).toContain(tier);
    expect(
      json.some((entry) => /worker|jobs/.test(JSON.stringify(entry))),
      'no log line from the jobs worker',
    ).toBe(true);
    expect(json.length).toBeGreaterThan(20);
    expect(json.some((entry) => entry.level === 'INFO')).toBe(true);
    // And the gateway's access log.
    expect(lines.some((line) => /^GET \/me 200 /.test(line))).toBe(true);

    const all = captured.join('');
    for (const [value, what] of secrets) {
      expect(all.includes(value), `${what} appears in the logs`).toBe(false);
    }
    // Shapes, whatever their value: a JWT, a bearer credential, an Authorization value, a signed URL, a policy.
    const leaks: [RegExp, string][] = [
      [/eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*/, 'a JWT'],
      [/Bearer\s+[A-Za-z0-9._~+/-]{8,}/i, 'a bearer credential'],
      [/"authorization"\s*:/i, 'an Authorization header'],
      [/X-Amz-Signature/i, 'a presigned URL signature'],
      [/X-Amz-Credential=/i, 'a presigned URL credential'],
      [/whsec_[A-Za-z0-9_]+/, 'a Stripe webhook secret'],
      [/v1=[0-9a-f]{64}/, 'a Stripe signature'],
      [/stripe-signature"\s*:/i, 'a Stripe-Signature header'],
    ];
    for (const [pattern, what] of leaks) {
      const line = lines.find((candidate) => pattern.test(candidate));
      expect(line, `${what} in a log line`).toBeUndefined();
    }
  });
});
