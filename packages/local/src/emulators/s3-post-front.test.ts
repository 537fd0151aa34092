import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { S3Client } from '@aws-sdk/client-s3';
import { createUploadStorage, type PresignedPost } from '@toolgate/core/uploads/aws/storage';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { LOCAL_CREDENTIALS } from '../local-env';
import { rawRequest } from '../testing/http';
import { closeServer, httpUrl, listen } from './http-server';
import { startS3PostPolicyFront } from './s3-post-front';
import { type Emulator, LOOPBACK } from './types';

/**
 * The front against a recording stand-in for s3rver: what it relays untouched, what it relays re-encoded, and what
 * never reaches the store. (tests/uploads.test.ts runs it in front of the real s3rver.)
 */
const BUCKET = 'toolgate-local-uploads';
const KEY = 'users/alice/uploads/0b5e8a4c-1f3e-4a8e-9a57-3f1d2c4b5a6e';
const BODY = '# notes\n';

interface Received {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}
const received: Received[] = [];
/** How the stand-in answers a form POST: stores it, or drops the connection. */
let formAnswer: 'store' | 'drop' = 'store';
const logged: [string, unknown][] = [];
let upstream: Server;
let front: Emulator;
let post: PresignedPost;

beforeAll(async () => {
  upstream = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      received.push({
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks),
      });
      if (req.method === 'OPTIONS') {
        res.writeHead(req.headers.origin === 'http://localhost:5173' ? 200 : 403).end();
        return;
      }
      if (formAnswer === 'drop') {
        req.socket.destroy();
        return;
      }
      res.writeHead(201, { 'x-upstream': 'yes' }).end('stored');
    });
  });
  const { port } = await listen(upstream, 0, LOOPBACK);
  front = await startS3PostPolicyFront({
    upstream: httpUrl(LOOPBACK, port),
    region: 'us-east-1',
    secrets: new Map([[LOCAL_CREDENTIALS.accessKeyId, LOCAL_CREDENTIALS.secretAccessKey]]),
    now: Date.now,
    logError: (message, error) => logged.push([message, error]),
  });
  const s3 = new S3Client({
    region: 'us-east-1',
    endpoint: front.endpoint,
    forcePathStyle: true,
    credentials: LOCAL_CREDENTIALS,
  });
  post = await createUploadStorage(s3, BUCKET).presignPost({
    key: KEY,
    contentType: 'text/markdown',
    size: Buffer.byteLength(BODY),
    expiresSeconds: 300,
  });
  s3.destroy();
});
afterAll(async () => {
  await front.stop();
  await closeServer(upstream);
});
beforeEach(() => {
  received.length = 0;
  logged.length = 0;
  formAnswer = 'store';
});

function form(fields: [string, string][], after: [string, string][] = [], body = BODY): FormData {
  const data = new FormData();
  for (const [name, value] of fields) data.append(name, value);
  data.append('file', new Blob([body], { type: 'text/markdown' }), 'notes.md');
  for (const [name, value] of after) data.append(name, value);
  return data;
}
const send = (data: FormData, headers: Record<string, string> = {}) =>
  fetch(`${front.endpoint}/${BUCKET}`, { method: 'POST', body: data, headers });

/** The parts of a multipart body as the store reads them: name, and text (the file's bytes for `file`). */
async function partsOf(request: Received): Promise<[string, string][]> {
  const parsed = await new Response(new Uint8Array(request.body), {
    headers: { 'content-type': String(request.headers['content-type']) },
  }).formData();
  const parts: [string, string][] = [];
  for (const [name, value] of parsed) parts.push([name, typeof value === 'string' ? value : await value.text()]);
  return parts;
}

describe('the S3 POST-policy front', () => {
  it('relays an allowed form as exactly the checked fields (lower-cased names), the file last, nothing after it', async () => {
    const fields = Object.entries(post.fields);
    const answer = await send(
      form(fields, [
        ['key', 'users/mallory/uploads/x'],
        ['acl', 'public-read'],
      ]),
    );
    expect(answer.status).toBe(201);
    expect(answer.headers.get('x-upstream')).toBe('yes');
    expect(await answer.text()).toBe('stored');
    expect(received).toHaveLength(1);
    const [relayed] = received as [Received];
    expect(relayed).toMatchObject({ method: 'POST', url: `/${BUCKET}` });
    expect(await partsOf(relayed)).toEqual([...fields.map(([n, v]) => [n.toLowerCase(), v]), ['file', BODY]]);
    expect(relayed.headers['content-length']).toBe(String(relayed.body.length));
  });

  it('never lets a refused form reach the store, and answers with S3 XML', async () => {
    const answer = await send(form(Object.entries(post.fields), [], `${BODY}more`));
    expect(answer.status).toBe(400);
    expect(answer.headers.get('content-type')).toBe('application/xml');
    expect(await answer.text()).toMatch(/<Error><Code>EntityTooLarge<\/Code>/);
    expect(received).toEqual([]);
  });

  it('asks the store’s CORS rules whether the origin may read the refusal', async () => {
    const tooBig = () => form(Object.entries(post.fields), [], `${BODY}more`);
    const allowed = await send(tooBig(), { origin: 'http://localhost:5173' });
    expect(allowed.headers.get('access-control-allow-origin')).toBe('http://localhost:5173');
    expect(received.map((r) => [r.method, r.headers.origin, r.headers['access-control-request-method']])).toEqual([
      ['OPTIONS', 'http://localhost:5173', 'POST'],
    ]);
    const other = await send(tooBig(), { origin: 'https://evil.example' });
    expect(other.status).toBe(400);
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('answers S3’s InternalError, readable by an allowed origin, when the store drops a form, and reports why', async () => {
    formAnswer = 'drop';
    const answer = await send(form(Object.entries(post.fields)), { origin: 'http://localhost:5173' });
    expect(answer.status).toBe(500);
    expect(answer.headers.get('access-control-allow-origin')).toBe('http://localhost:5173');
    expect(answer.headers.get('content-type')).toBe('application/xml');
    expect(await answer.text()).toMatch(/<Error><Code>InternalError<\/Code>/);
    expect(logged.map(([message]) => message)).toEqual([`The local S3 front failed on POST /${BUCKET}`]);
    expect(logged[0]?.[1]).toBeInstanceOf(Error);
  });

  it('answers InternalError without a CORS grant when the store cannot even be asked for its rules', async () => {
    // A port nothing listens on: the relay and the CORS preflight both fail to connect.
    const gone = createServer();
    const { port } = await listen(gone, 0, LOOPBACK);
    await closeServer(gone);
    const errors: string[] = [];
    const orphan = await startS3PostPolicyFront({
      upstream: httpUrl(LOOPBACK, port),
      region: 'us-east-1',
      secrets: new Map([[LOCAL_CREDENTIALS.accessKeyId, LOCAL_CREDENTIALS.secretAccessKey]]),
      now: Date.now,
      logError: (message) => errors.push(message),
    });
    try {
      const answer = await fetch(`${orphan.endpoint}/${BUCKET}`, {
        method: 'POST',
        body: form(Object.entries(post.fields)),
        headers: { origin: 'http://localhost:5173' },
      });
      expect(answer.status).toBe(500);
      expect(answer.headers.get('access-control-allow-origin')).toBeNull();
      expect(await answer.text()).toMatch(/<Code>InternalError<\/Code>/);
      expect(errors).toEqual([`The local S3 front failed on POST /${BUCKET}`]);
    } finally {
      await orphan.stop();
    }
  });

  it.each([
    ['a body that does not follow its boundary', 'multipart/form-data; boundary=xyz'],
    ['a form without a boundary', 'multipart/form-data'],
  ])('answers MalformedPOSTRequest to %s, without reaching the store', async (_name, contentType) => {
    const answer = await rawRequest(front.endpoint, `/${BUCKET}`, {
      method: 'POST',
      headers: { 'content-type': contentType },
      body: 'this is not multipart',
    });
    expect(answer.status).toBe(400);
    expect(answer.text).toMatch(/<Code>MalformedPOSTRequest<\/Code>/);
    expect(received).toEqual([]);
  });

  it.each([
    ['a PUT (presigned or SDK)', 'PUT', `/${BUCKET}/${KEY}`, 'application/octet-stream'],
    ['a POST that is not a form (DeleteObjects)', 'POST', `/${BUCKET}?delete`, 'application/xml'],
    [
      'a form POST to an object path (not a browser upload)',
      'POST',
      `/${BUCKET}/${KEY}`,
      'multipart/form-data; boundary=b',
    ],
    ['a CORS preflight', 'OPTIONS', `/${BUCKET}`, undefined],
  ])('relays %s untouched, body streamed', async (_name, method, path, contentType) => {
    const body = method === 'OPTIONS' ? undefined : Buffer.from('x'.repeat(100_000));
    const answer = await rawRequest(front.endpoint, path, {
      method,
      headers: {
        ...(contentType ? { 'content-type': contentType } : {}),
        origin: 'http://localhost:5173',
        'x-amz-meta-probe': 'kept',
      },
      ...(body ? { body, chunkSize: 16_384 } : {}),
    });
    expect(answer.status).toBe(method === 'OPTIONS' ? 200 : 201);
    expect(received).toHaveLength(1);
    const [relayed] = received as [Received];
    expect(relayed).toMatchObject({ method, url: path });
    expect(relayed.headers['x-amz-meta-probe']).toBe('kept');
    expect(relayed.headers['transfer-encoding']).toBe(body ? 'chunked' : undefined);
    expect(relayed.body.equals(body ?? Buffer.alloc(0))).toBe(true);
  });
});
