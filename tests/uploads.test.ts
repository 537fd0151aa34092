import { randomUUID } from 'node:crypto';
import { scope } from '@toolgate/core/scopes';
import { minimalPdf } from '@toolgate/core/testing/pdf';
import { DEFAULT_MAX_UPLOAD_BYTES } from '@toolgate/core/uploads/config';
import { localBucket } from '@toolgate/local/testing/s3';
import { describe, expect, it } from 'vitest';
import { apiCaller, getJson, useLocalRuntime } from './support/runtime';
import { postToS3 } from './support/uploads';

/**
 * Issue 5 end to end: presigned POST straight to the local S3 (as a browser sends it), the server-side re-check,
 * the ingestion workflow (the same ASL as deployed, on the Step Functions emulator, started by the real SDK call
 * from the api tier) running the steps tier's handler, and the documents it produces as tools, REST and in chat.
 */
const ALLOWED_ORIGIN = 'http://localhost:5173';
/** How far ahead of the wall clock the local S3 judges POST policies (a test expires one without waiting). */
let s3ClockAheadMs = 0;
const runtime = useLocalRuntime({ workflowRetryIntervalMs: 5, now: () => Date.now() + s3ClockAheadMs });
const SCOPES = [scope('documents'), scope('tools'), scope('chat')];

const newUser = () => `user-${randomUUID()}`;
const tokenFor = (sub: string, scopes: readonly string[] = SCOPES) => runtime().issuer.mintAccessToken({ sub, scopes });

const call = apiCaller(runtime);

interface Post {
  url: string;
  fields: Record<string, string>;
  expiresAt: string;
}

const postForm = (post: Post, file: Uint8Array | string, contentType: string, filename: string) =>
  postToS3(post, file, contentType, filename, { origin: ALLOWED_ORIGIN });

async function requestUpload(token: string, file: { filename: string; contentType: string; body: string | Buffer }) {
  const size = typeof file.body === 'string' ? Buffer.byteLength(file.body) : file.body.length;
  const created = await call(token, 'POST', '/uploads', {
    filename: file.filename,
    contentType: file.contentType,
    size,
  });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  return created.body as { id: string; status: string; post: Post };
}

/** Declare, upload through the form, complete. */
async function upload(token: string, file: { filename: string; contentType: string; body: string | Buffer }) {
  const created = await requestUpload(token, file);
  const stored = await postForm(created.post, Buffer.from(file.body), file.contentType, file.filename);
  expect(stored.status).toBe(204);
  const completed = await call(token, 'POST', `/uploads/${created.id}/complete`);
  expect(completed.status, JSON.stringify(completed.body)).toBe(202);
  return { id: created.id, created, completed: completed.body as { status: string; ingestion: string } };
}

async function settled(token: string, id: string, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const response = await call(token, 'GET', `/uploads/${id}`);
    expect(response.status).toBe(200);
    if (response.body.status === 'READY' || response.body.status === 'FAILED') return response.body;
    if (Date.now() > deadline) throw new Error(`upload ${id} still ${response.body.status}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function decodePolicy(fields: Record<string, string>) {
  const policy = fields.Policy ?? fields.policy;
  expect(policy).toBeDefined();
  return JSON.parse(Buffer.from(policy as string, 'base64').toString('utf8')) as {
    expiration: string;
    conditions: unknown[];
  };
}

const bucket = () =>
  localBucket({ endpoint: runtime().endpoints.s3, region: runtime().region, bucketName: runtime().bucketName });
const executionsNamed = (name: string) =>
  runtime()
    .workflows.emulator.executions()
    .filter((e) => e.name === name);

const NOTES = {
  filename: 'zebra-notes.md',
  contentType: 'text/markdown',
  body: '# Field notes\n\nThe zebra herd crossed the river in March. Drones counted 412 animals. Next survey in May.\n',
};

describe('upload → ingestion → document', () => {
  it('uploads by presigned POST, ingests, and finds the document through /tools, chat and /documents', async () => {
    const sub = newUser();
    const token = await tokenFor(sub);
    const { id, created, completed } = await upload(token, NOTES);

    expect(created.status).toBe('PENDING');
    expect(created.post.fields.key).toBe(`users/${sub}/uploads/${id}`);
    expect(completed).toEqual({ id, status: 'UPLOADED', ingestion: 'STARTED', correlationId: expect.any(String) });
    expect(executionsNamed(id)).toHaveLength(1);

    const done = await settled(token, id);
    expect(done).toMatchObject({ id, status: 'READY', filename: 'zebra-notes.md', contentType: 'text/markdown' });
    expect(done.summary).toMatch(/^Summary: # Field notes The zebra herd crossed the river in March\./);
    expect(done.error).toBeUndefined();
    const [execution] = executionsNamed(id);
    expect(execution?.status).toBe('SUCCEEDED');
    // The same ASL as deployed ran, state by state, and invoked the steps tier for each.
    expect(execution?.history.filter((e) => e.type === 'StateEntered').map((e) => e.state)).toEqual([
      'Validate',
      'ExtractText',
      'Summarize',
      'Store',
      'MarkReady',
    ]);

    const s3 = bucket();
    try {
      expect(await s3.tags(`users/${sub}/uploads/${id}`)).toEqual({ 'toolgate-upload': 'claimed' });
      expect(await s3.head(`users/${sub}/documents/${id}.txt`)).toMatchObject({
        contentType: expect.stringMatching(/^text\/plain/),
      });
    } finally {
      s3.close();
    }

    const search = await call(token, 'POST', '/tools/document_search', { q: 'Zebra' });
    expect(search.status).toBe(200);
    expect(search.body.items).toEqual([
      { id, filename: 'zebra-notes.md', summary: done.summary, snippet: expect.stringContaining('zebra herd crossed') },
    ]);
    const document = await call(token, 'POST', '/tools/document_get', { id });
    expect(document.body).toMatchObject({
      id,
      text: expect.stringContaining('Drones counted 412 animals'),
      truncated: false,
    });

    const chat = await call(token, 'POST', '/chat', { message: 'Which of my documents mention zebras?' });
    expect(chat.status, JSON.stringify(chat.body)).toBe(200);
    expect(chat.body.toolCalls.map((c: { name: string; ok: boolean }) => [c.name, c.ok])).toEqual([
      ['document_search', true],
    ]);
    expect(chat.body.toolCalls[0].output.items[0].id).toBe(id);
    expect(chat.body.reply).toContain(`zebra-notes.md (${id})`);

    const listing = await call(token, 'GET', '/documents');
    expect(listing.status).toBe(200);
    expect(listing.body).toEqual({
      items: [
        {
          id,
          filename: 'zebra-notes.md',
          contentType: 'text/markdown',
          size: Buffer.byteLength(NOTES.body),
          summary: done.summary,
          createdAt: expect.any(String),
          readyAt: expect.any(String),
        },
      ],
      nextCursor: null,
    });
  });

  it("never shows one user's upload or document to another", async () => {
    const owner = await tokenFor(newUser());
    const { id } = await upload(owner, { ...NOTES, body: 'Okapi sightings are rare. One was seen at dawn.' });
    expect((await settled(owner, id)).status).toBe('READY');

    const other = await tokenFor(newUser());
    for (const [method, path] of [
      ['GET', `/uploads/${id}`],
      ['POST', `/uploads/${id}/complete`],
    ] as const) {
      const response = await call(other, method, path);
      expect(response.status, `${method} ${path}`).toBe(404);
      expect(response.headers.get('content-type')).toBe('application/problem+json');
    }
    expect((await call(other, 'POST', '/tools/document_get', { id })).status).toBe(404);
    expect((await call(other, 'POST', '/tools/document_search', { q: 'okapi' })).body.items).toEqual([]);
    expect((await call(other, 'GET', '/documents')).body.items).toEqual([]);
    const chat = await call(other, 'POST', '/chat', { message: 'search my documents for okapi' });
    expect(chat.body.reply).toBe('I found none of your documents matching "okapi".');
  });

  it('pages GET /documents with cursors bound to the caller', async () => {
    const owner = newUser();
    const token = await tokenFor(owner);
    const ids: string[] = [];
    for (const n of [1, 2, 3]) {
      const { id } = await upload(token, {
        ...NOTES,
        filename: `page-${n}.txt`,
        contentType: 'text/plain',
        body: `Page ${n}.`,
      });
      expect((await settled(token, id)).status).toBe('READY');
      ids.push(id);
    }
    const first = await call(token, 'GET', '/documents?limit=2');
    expect(first.body.items.map((d: { filename: string }) => d.filename)).toEqual(['page-3.txt', 'page-2.txt']);
    expect(first.body.nextCursor).toEqual(expect.any(String));
    const second = await call(token, 'GET', `/documents?limit=2&cursor=${first.body.nextCursor}`);
    expect(second.body.items.map((d: { filename: string }) => d.filename)).toEqual(['page-1.txt']);

    // Another user cannot resume this listing, nor forge a cursor into this partition.
    const stranger = await tokenFor(newUser());
    const stolen = await call(stranger, 'GET', `/documents?limit=2&cursor=${first.body.nextCursor}`);
    expect(stolen.status).toBe(400);
    expect(stolen.body.errors[0].field).toBe('query.cursor');
    const other = newUser();
    const forged = Buffer.from(
      JSON.stringify({
        s: `documents|${owner}`,
        k: { pk: `USER#${other}`, sk: `UPLOAD#${ids[0]}`, gsi1pk: `DOCS#${other}`, gsi1sk: `2099#${ids[0]}` },
      }),
    ).toString('base64url');
    expect((await call(token, 'GET', `/documents?cursor=${forged}`)).status).toBe(400);
    expect((await call(token, 'GET', '/documents?limit=0')).status).toBe(400);
  });

  it('extracts text from PDFs (plain and Flate-compressed content streams)', async () => {
    const token = await tokenFor(newUser());
    const content =
      'BT /F1 12 Tf 72 720 Td (Quarterly aardvark census.) Tj 0 -14 Td [(Numbers ) -250 (doubled.)] TJ ET';
    for (const compress of [false, true]) {
      const { id } = await upload(token, {
        filename: `census-${compress}.pdf`,
        contentType: 'application/pdf',
        body: minimalPdf(content, { compress }),
      });
      const done = await settled(token, id);
      expect(done.status, done.error).toBe('READY');
      expect(done.summary).toBe('Summary: Quarterly aardvark census. Numbers doubled.');
    }
    const found = await call(token, 'POST', '/tools/document_search', { q: 'aardvark census' });
    expect(found.body.items).toHaveLength(2);
  });
});

describe('the presigned POST', () => {
  it('is a policy for exactly this bucket, key, content type and size, expiring soon', async () => {
    const sub = newUser();
    const before = Date.now();
    const { id, post } = await requestUpload(await tokenFor(sub), { ...NOTES, body: 'x'.repeat(1234) });
    const policy = decodePolicy(post.fields);
    expect(policy.conditions).toEqual(
      expect.arrayContaining([
        { bucket: runtime().bucketName },
        { key: `users/${sub}/uploads/${id}` },
        { 'Content-Type': 'text/markdown' },
        ['content-length-range', 1, 1234],
        { tagging: expect.stringContaining('<Key>toolgate-upload</Key><Value>pending</Value>') },
      ]),
    );
    // No starts-with or wildcard condition anywhere: nothing in the form can be changed.
    expect(JSON.stringify(policy.conditions)).not.toMatch(/starts-with|\$\{filename\}/);
    const expiration = Date.parse(policy.expiration);
    expect(expiration).toBeGreaterThan(before);
    expect(expiration).toBeLessThanOrEqual(Date.now() + 300_000 + 1_000);
    expect(Date.parse(post.expiresAt)).toBeCloseTo(expiration, -4);
    expect(post.url).toBe(`${runtime().endpoints.s3}/${runtime().bucketName}`);
    expect(post.fields).toMatchObject({
      key: `users/${sub}/uploads/${id}`,
      'Content-Type': 'text/markdown',
      'X-Amz-Algorithm': 'AWS4-HMAC-SHA256',
      'X-Amz-Signature': expect.stringMatching(/^[0-9a-f]{64}$/),
    });
  });

  it('is reachable from an allowed browser origin (CORS preflight), and not from others', async () => {
    const { post } = await requestUpload(await tokenFor(newUser()), NOTES);
    const preflight = (origin: string) =>
      fetch(post.url, {
        method: 'OPTIONS',
        headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
      });
    const allowed = await preflight(ALLOWED_ORIGIN);
    expect(allowed.status).toBe(200);
    expect(allowed.headers.get('access-control-allow-origin')).toBeTruthy();
    expect(allowed.headers.get('access-control-allow-methods')).toContain('POST');
    const denied = await preflight('https://evil.example');
    expect(denied.status).toBe(403);
    expect(denied.headers.get('access-control-allow-origin')).toBeNull();

    // The upload itself, from the allowed origin, gets the header the browser needs to read the answer.
    const stored = await postForm(post, NOTES.body, NOTES.contentType, NOTES.filename);
    expect(stored.status).toBe(204);
    expect(stored.headers.get('access-control-allow-origin')).toBe(ALLOWED_ORIGIN);
  });
});

/** S3's XML error: the code, the message and the code's own elements. */
async function s3Error(response: Response) {
  expect(response.headers.get('content-type')).toBe('application/xml');
  const xml = await response.text();
  const unescapeXml = (text: string) =>
    text.replace(
      /&(quot|apos|lt|gt|amp);/g,
      (_, e: string) => ({ quot: '"', apos: "'", lt: '<', gt: '>', amp: '&' })[e] ?? e,
    );
  const element = (name: string) => {
    const text = new RegExp(`<${name}>([^<]*)</${name}>`).exec(xml)?.[1];
    return text === undefined ? undefined : unescapeXml(text);
  };
  expect(xml).toMatch(/^<\?xml version="1\.0" encoding="UTF-8"\?>\n<Error><Code>/);
  expect(element('RequestId')).toMatch(/^[0-9A-F]{16}$/);
  return { status: response.status, code: element('Code'), message: element('Message'), element };
}

describe('the local S3 enforces the presigned POST policy, as S3 does', () => {
  const sendAs = (post: Post, fields: Record<string, string>, body: string, contentType = 'text/markdown') =>
    postForm({ ...post, fields }, body, contentType, NOTES.filename);

  /** A signed form for NOTES, and what a refused upload must have left behind: nothing at its key. */
  async function signed() {
    const sub = newUser();
    const { post } = await requestUpload(await tokenFor(sub), NOTES);
    const key = post.fields.key as string;
    return {
      post,
      key,
      async nothingStored(...keys: string[]) {
        const s3 = bucket();
        try {
          for (const k of [key, ...keys]) expect(await s3.head(k), k).toBeNull();
        } finally {
          s3.close();
        }
      },
    };
  }

  it('refuses a rewritten key (403 AccessDenied) and stores nothing', async () => {
    const { post, key, nothingStored } = await signed();
    const elsewhere = key.replace(/uploads\/.*$/, 'uploads/not-the-signed-id');
    const error = await s3Error(await sendAs(post, { ...post.fields, key: elsewhere }, NOTES.body));
    expect(error).toMatchObject({
      status: 403,
      code: 'AccessDenied',
      message: `Invalid according to Policy: Policy Condition failed: ["eq", "$key", "${key}"]`,
    });
    await nothingStored(elsewhere);
  });

  it('refuses a file bigger than declared (400 EntityTooLarge, with the sizes) and stores nothing', async () => {
    const { post, nothingStored } = await signed();
    const size = Buffer.byteLength(NOTES.body);
    const error = await s3Error(await sendAs(post, post.fields, `${NOTES.body}!`));
    expect(error).toMatchObject({
      status: 400,
      code: 'EntityTooLarge',
      message: 'Your proposed upload exceeds the maximum allowed size',
    });
    expect([error.element('ProposedSize'), error.element('MaxSizeAllowed')]).toEqual([`${size + 1}`, `${size}`]);
    await nothingStored();
  });

  it('refuses another Content-Type (403) and stores nothing', async () => {
    const { post, nothingStored } = await signed();
    const error = await s3Error(
      await sendAs(post, { ...post.fields, 'Content-Type': 'text/html' }, NOTES.body, 'text/html'),
    );
    expect(error).toMatchObject({ status: 403, code: 'AccessDenied' });
    expect(error.message).toBe(
      'Invalid according to Policy: Policy Condition failed: ["eq", "$Content-Type", "text/markdown"]',
    );
    await nothingStored();
  });

  it('refuses a form without its tagging field (403): the lifecycle rule could never expire the object', async () => {
    const { post, nothingStored } = await signed();
    const { tagging: _dropped, ...fields } = post.fields;
    const error = await s3Error(await sendAs(post, fields, NOTES.body));
    expect(error).toMatchObject({ status: 403, code: 'AccessDenied' });
    expect(error.message).toBe(
      `Invalid according to Policy: Policy Condition failed: ["eq", "$tagging", ${JSON.stringify(post.fields.tagging)}]`,
    );
    await nothingStored();
  });

  it('refuses an expired policy (403 "Policy expired.") by the clock the runtime was given', async () => {
    const { post, nothingStored } = await signed();
    const expiration = Date.parse(decodePolicy(post.fields).expiration);
    s3ClockAheadMs = expiration - Date.now() + 1_000;
    try {
      const error = await s3Error(await sendAs(post, post.fields, NOTES.body));
      expect(error).toMatchObject({
        status: 403,
        code: 'AccessDenied',
        message: 'Invalid according to Policy: Policy expired.',
      });
    } finally {
      s3ClockAheadMs = 0;
    }
    await nothingStored();
    // The same form, within its lifetime, still works.
    expect((await sendAs(post, post.fields, NOTES.body)).status).toBe(204);
  });

  it('refuses a tampered policy or signature (403 SignatureDoesNotMatch) and stores nothing', async () => {
    const { post, nothingStored } = await signed();
    const policy = decodePolicy(post.fields);
    const widened = Buffer.from(
      JSON.stringify({
        ...policy,
        conditions: policy.conditions.map((c) =>
          Array.isArray(c) && c[0] === 'content-length-range' ? ['content-length-range', 1, 10 ** 9] : c,
        ),
      }),
    ).toString('base64');
    const tampered = await s3Error(await sendAs(post, { ...post.fields, Policy: widened }, NOTES.body.repeat(50)));
    expect(tampered).toMatchObject({ status: 403, code: 'SignatureDoesNotMatch' });
    expect(tampered.element('StringToSign')).toBe(widened);
    const signature = post.fields['X-Amz-Signature'] as string;
    const forged = `${signature.slice(0, -1)}${signature.endsWith('0') ? '1' : '0'}`;
    const error = await s3Error(await sendAs(post, { ...post.fields, 'X-Amz-Signature': forged }, NOTES.body));
    expect(error).toMatchObject({ status: 403, code: 'SignatureDoesNotMatch' });
    await nothingStored();
  });

  it('lets the browser read a refusal from an allowed origin (CORS), and no other origin', async () => {
    const { post } = await signed();
    const refused = await sendAs(post, post.fields, `${NOTES.body}!`);
    expect(refused.status).toBe(400);
    expect(refused.headers.get('access-control-allow-origin')).toBe(ALLOWED_ORIGIN);
    const form = new FormData();
    for (const [name, value] of Object.entries(post.fields)) form.append(name, value);
    form.append('file', new Blob([`${NOTES.body}!`], { type: NOTES.contentType }), NOTES.filename);
    const foreign = await fetch(post.url, { method: 'POST', body: form, headers: { origin: 'https://evil.example' } });
    expect(foreign.status).toBe(400);
    expect(foreign.headers.get('access-control-allow-origin')).toBeNull();
  });
});

describe('server-side checks', () => {
  it('rejects an object whose size or type differs from the declaration (a policy bypass) and deletes it', async () => {
    const sub = newUser();
    const token = await tokenFor(sub);
    const s3 = bucket();
    try {
      for (const bypass of [
        {
          body: 'declared ten bytes, sent many more',
          contentType: 'text/plain',
          problem: /size is 34 bytes, declared 10/,
        },
        { body: '0123456789', contentType: 'text/html', problem: /content type is text\/html, declared text\/plain/ },
      ]) {
        const { id } = await requestUpload(token, { filename: 'a.txt', contentType: 'text/plain', body: '0123456789' });
        const key = `users/${sub}/uploads/${id}`;
        // No POST policy applies to a PutObject with the bucket's credentials: what a leaked credential could do.
        await s3.put(key, bypass.body, bypass.contentType);
        const response = await call(token, 'POST', `/uploads/${id}/complete`);
        expect(response.status).toBe(422);
        expect(response.headers.get('content-type')).toBe('application/problem+json');
        expect(response.body).toMatchObject({
          type: 'urn:toolgate:problem:unprocessable',
          detail: expect.stringMatching(bypass.problem),
        });
        expect(await s3.head(key)).toBeNull();
        expect((await call(token, 'GET', `/uploads/${id}`)).body.status).toBe('PENDING');
        expect(executionsNamed(id)).toEqual([]);
      }
    } finally {
      s3.close();
    }
  });

  it('answers 409 to completing an upload whose file was never sent', async () => {
    const token = await tokenFor(newUser());
    const { id } = await requestUpload(token, NOTES);
    const response = await call(token, 'POST', `/uploads/${id}/complete`);
    expect(response.status).toBe(409);
    expect(response.body.detail).toMatch(/Nothing has been uploaded for .* yet: POST the file to the presigned URL/);
    expect(executionsNamed(id)).toEqual([]);
  });

  it('completes idempotently: the same execution for every call, sequential or concurrent, and one run', async () => {
    const token = await tokenFor(newUser());
    const created = await requestUpload(token, NOTES);
    expect((await postForm(created.post, NOTES.body, NOTES.contentType, NOTES.filename)).status).toBe(204);
    const path = `/uploads/${created.id}/complete`;
    const concurrent = await Promise.all([1, 2, 3].map(() => call(token, 'POST', path)));
    for (const response of concurrent) expect(response.status).toBe(202);
    for (const response of concurrent) expect(response.body.ingestion).toBe('STARTED');
    await settled(token, created.id);
    const again = await call(token, 'POST', path);
    expect(again.status).toBe(202);
    // The one complete whose StartExecution created the execution labelled it; the others report its id.
    const startedBy = concurrent.map((response) => response.body.correlationId).filter(Boolean);
    expect(new Set(startedBy).size).toBeLessThanOrEqual(1);
    expect(again.body).toEqual({
      id: created.id,
      status: 'READY',
      ingestion: 'STARTED',
      correlationId: expect.any(String),
    });
    if (startedBy[0]) expect(again.body.correlationId).toBe(startedBy[0]);
    expect(executionsNamed(created.id)).toHaveLength(1);
  });

  it.each([
    ['a disallowed content type', { contentType: 'text/html' }, 'body.contentType'],
    ['a content type with parameters', { contentType: 'text/plain; charset=utf-8' }, 'body.contentType'],
    ['size 0', { size: 0 }, 'body.size'],
    ['a size over the maximum', { size: DEFAULT_MAX_UPLOAD_BYTES + 1 }, 'body.size'],
    ['a fractional size', { size: 1.5 }, 'body.size'],
    ['a filename with a slash', { filename: '../etc/passwd' }, 'body.filename'],
    ['a filename with a backslash', { filename: 'C:\\temp\\a.txt' }, 'body.filename'],
    ['a filename that is ..', { filename: '..' }, 'body.filename'],
    ['a filename with a control character', { filename: 'a\u0000.txt' }, 'body.filename'],
    ['a filename with a newline', { filename: 'a\n.txt' }, 'body.filename'],
    ['a filename with a bidi override', { filename: 'invoice\u202Etxt.exe' }, 'body.filename'],
    ['an empty filename', { filename: '' }, 'body.filename'],
    ['a filename that is too long', { filename: `${'a'.repeat(256)}.txt` }, 'body.filename'],
    ['an unknown field', { path: '/x' }, 'body'],
  ])('rejects %s with 400 naming %s', async (_name, change, field) => {
    const body = { filename: 'ok.txt', contentType: 'text/plain', size: 10, ...change };
    const response = await call(await tokenFor(newUser()), 'POST', '/uploads', body);
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toBe('application/problem+json');
    expect(response.body.errors.map((issue: { field: string }) => issue.field)).toContain(field);
  });

  it('answers 404 for an unknown upload id, 400 for a malformed one, and 401/403 without the documents scope', async () => {
    const token = await tokenFor(newUser());
    expect((await call(token, 'GET', `/uploads/${randomUUID()}`)).status).toBe(404);
    expect((await call(token, 'POST', `/uploads/${randomUUID()}/complete`)).status).toBe(404);
    const malformed = await call(token, 'GET', '/uploads/not-an-id');
    expect(malformed.status).toBe(400);
    expect(malformed.body.errors[0].field).toBe('path.id');
    const noScope = await call(await tokenFor(newUser(), [scope('tools')]), 'POST', '/uploads', {
      filename: 'a.txt',
      contentType: 'text/plain',
      size: 1,
    });
    expect(noScope.status).toBe(403);
    expect((await getJson(`${runtime().url}/documents`)).status).toBe(401);
  });

  it('refuses a JSON body of another media type', async () => {
    const response = await getJson(`${runtime().url}/uploads`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await tokenFor(newUser())}`, 'content-type': 'text/plain' },
      body: JSON.stringify({ filename: 'a.txt', contentType: 'text/plain', size: 1 }),
    });
    expect(response.status).toBe(415);
  });
});

describe('workflow failures', () => {
  it.each([
    [
      'invalid JSON',
      { filename: 'data.json', contentType: 'application/json', body: '{"unterminated": ' },
      'The file is not valid JSON.',
    ],
    [
      'text that is not UTF-8',
      { filename: 'latin1.txt', contentType: 'text/plain', body: Buffer.from([0x63, 0x61, 0x66, 0xe9]) },
      'The file is not valid UTF-8 text.',
    ],
    [
      'a PDF without text',
      { filename: 'scan.pdf', contentType: 'application/pdf', body: minimalPdf('q 1 0 0 1 0 0 cm Q') },
      /^No text could be extracted from this PDF/,
    ],
    [
      'a file that only claims to be a PDF',
      { filename: 'fake.pdf', contentType: 'application/pdf', body: 'not a pdf at all' },
      /^The file is not a PDF/,
    ],
  ])('ends FAILED with the reason in GET /uploads/{id} for %s', async (_name, file, reason) => {
    const token = await tokenFor(newUser());
    const { id } = await upload(token, file);
    const done = await settled(token, id);
    expect(done.status).toBe('FAILED');
    expect(done.error).toEqual(typeof reason === 'string' ? reason : expect.stringMatching(reason));
    const [execution] = executionsNamed(id);
    expect(execution).toMatchObject({ status: 'FAILED', error: 'IngestionFailed' });
    // A permanent failure is not retried: one attempt, caught, recorded.
    expect(execution?.history.filter((e) => e.type === 'StateRetried')).toEqual([]);
    expect(execution?.history.filter((e) => e.type === 'StateEntered').map((e) => e.state)).toContain('MarkFailed');
    expect((await call(token, 'POST', '/tools/document_search', {})).body.items).toEqual([]);
  });
});

/** Issue 20.6, against the local S3: a read pinned to an ETag never returns another version's bytes. */
describe('upload storage pinned reads', () => {
  it('reads the version it was pinned to, and refuses once the key was written again', async () => {
    const { createS3Client, createUploadStorage, ObjectChangedError } = await import(
      '@toolgate/core/uploads/aws/storage'
    );
    const storage = createUploadStorage(
      createS3Client({ region: runtime().region, local: true }),
      runtime().bucketName,
    );
    const key = `users/${newUser()}/uploads/${randomUUID()}`;
    await bucket().put(key, 'checked content', 'text/plain');
    const checked = await storage.head(key);
    expect(checked?.etag).toMatch(/^"[0-9a-f]{32}"$/);
    expect(Buffer.from((await storage.read(key, 100, { ifMatch: checked?.etag })) ?? []).toString()).toBe(
      'checked content',
    );
    await bucket().put(key, 'swapped content', 'text/plain');
    await expect(storage.read(key, 100, { ifMatch: checked?.etag })).rejects.toBeInstanceOf(ObjectChangedError);
  });
});

/** Issue 20.2 end to end: the summary's model call is charged to the owner, and spent tokens stop the next upload. */
describe('document summaries and the monthly model tokens', () => {
  it("charges the summary to the owner's month, and refuses complete (429, nothing started) once it is used up", async () => {
    const [{ doc, config }, { createUsageStore }, { monthWindow }, { systemClock }, { DEFAULT_PLAN_LIMITS }] =
      await Promise.all([
        import('@toolgate/functions/deps/base'),
        import('@toolgate/core/limits/aws/usage'),
        import('@toolgate/core/limits/windows'),
        import('@toolgate/core/clock'),
        import('@toolgate/core/limits/plans'),
      ]);
    const usage = createUsageStore(doc, config.tableName);
    const sub = newUser();
    const token = await tokenFor(sub);
    const month = () => monthWindow(systemClock());

    const { id } = await upload(token, NOTES);
    expect((await settled(token, id)).status).toBe('READY');
    const charged = await usage.tokensUsed(sub, month());
    expect(charged).toBeGreaterThan(0);

    await usage.addTokens(sub, month(), DEFAULT_PLAN_LIMITS.free.chatTokensPerMonth);
    const next = await requestUpload(token, NOTES);
    expect((await postForm(next.post, NOTES.body, NOTES.contentType, NOTES.filename)).status).toBe(204);
    const refused = await call(token, 'POST', `/uploads/${next.id}/complete`);
    expect(refused.status, JSON.stringify(refused.body)).toBe(429);
    expect(refused.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(refused.body).toMatchObject({ type: 'urn:toolgate:problem:rate-limited', plan: 'free' });
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await call(token, 'GET', `/uploads/${next.id}`)).body).toMatchObject({
      status: 'PENDING',
      ingestion: 'NOT_STARTED',
    });
    expect(executionsNamed(next.id)).toEqual([]);
  });
});
