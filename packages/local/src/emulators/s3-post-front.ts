import { Agent, createServer, type IncomingMessage, request, type ServerResponse } from 'node:http';
import { closeServer, httpUrl, listen } from './http-server';
import { type S3ErrorAnswer, s3ErrorXml, s3RequestIds } from './s3-error';
import { checkPostPolicy, type PostPolicyForm } from './s3-post-policy';
import { type Emulator, LOOPBACK } from './types';

export interface S3PostPolicyFrontOptions {
  /** The s3rver endpoint every request ends up at. */
  upstream: string;
  region: string;
  /** Secret access keys by access key id: whoever may sign a POST policy. */
  secrets: ReadonlyMap<string, string>;
  /** Epoch milliseconds; policies expire against this clock. */
  now: () => number;
  /** Told of every request the front could not complete (its client got S3's `500 InternalError`). */
  logError?: (message: string, error: unknown) => void;
}

/** A form posted to a bucket (`POST /{bucket}`, path-style): the browser-based upload S3 checks against a policy. */
function formPostBucket(req: IncomingMessage): string | null {
  if (req.method !== 'POST') return null;
  if (!/^multipart\/form-data\s*(;|$)/i.test(req.headers['content-type'] ?? '')) return null;
  const url = new URL(req.url ?? '/', 'http://front');
  const bucket = /^\/([^/]+)\/?$/.exec(url.pathname)?.[1];
  if (bucket === undefined || url.search !== '') return null;
  try {
    return decodeURIComponent(bucket);
  } catch {
    return null; // not a bucket name s3rver could hold; it answers that request itself
  }
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

interface ParsedForm extends PostPolicyForm {
  file: Blob | null;
  filename: string;
}

/** The fields before the first `file` and the file itself; S3 ignores anything after the file. */
async function parseForm(body: Buffer, contentType: string): Promise<ParsedForm | null> {
  let data: FormData;
  try {
    const bytes = new Uint8Array(body.buffer as ArrayBuffer, body.byteOffset, body.byteLength);
    data = await new Response(bytes, { headers: { 'content-type': contentType } }).formData();
  } catch {
    return null;
  }
  const fields: [string, string][] = [];
  for (const [name, value] of data) {
    if (name.toLowerCase() === 'file') {
      const file = typeof value === 'string' ? new Blob([value]) : value;
      return { fields, file, fileSize: file.size, filename: typeof value === 'string' ? 'file' : value.name };
    }
    fields.push([name, typeof value === 'string' ? value : await value.text()]);
  }
  return { fields, file: null, fileSize: null, filename: '' };
}

/**
 * The form s3rver receives: exactly the fields the policy was checked against (names lower-cased, as S3 reads them
 * case-insensitively and s3rver only knows `key` in lower case), then the file. Re-encoding, rather than relaying
 * the original bytes, leaves s3rver's older multipart parser nothing to read differently from the check.
 */
function canonicalForm(form: ParsedForm & { file: Blob }): FormData {
  const out = new FormData();
  for (const [name, value] of form.fields) out.append(name.toLowerCase(), value);
  out.append('file', form.file, form.filename);
  return out;
}

const INTERNAL: S3ErrorAnswer = {
  status: 500,
  code: 'InternalError',
  message: 'We encountered an internal error. Please try again.',
};

const MALFORMED: S3ErrorAnswer = {
  status: 400,
  code: 'MalformedPOSTRequest',
  message: 'The body of your POST request is not well-formed multipart/form-data.',
};

/**
 * A loopback front for s3rver that refuses browser-based uploads S3 would refuse (signature, expiry, conditions,
 * size; see `checkPostPolicy`) with S3's status and XML error, and relays everything else untouched and streaming:
 * SDK calls, presigned GET/PUT, CORS preflights. Form posts are buffered whole, because the size condition can only
 * be judged once the last byte of the file has arrived and nothing may reach s3rver before the verdict.
 */
export async function startS3PostPolicyFront(options: S3PostPolicyFrontOptions): Promise<Emulator> {
  const upstream = new URL(options.upstream);
  const agent = new Agent({ keepAlive: true });

  function relay(
    req: IncomingMessage,
    res: ServerResponse,
    body?: { bytes: Buffer; contentType: string },
  ): Promise<void> {
    return new Promise((resolve, reject) => {
      const headers = { ...req.headers };
      if (body) {
        delete headers['transfer-encoding'];
        delete headers.expect; // the client was already told to continue; this body is complete
        headers['content-type'] = body.contentType;
        headers['content-length'] = String(body.bytes.length);
      }
      const forwarded = request(
        { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers, agent },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.statusMessage, answer.rawHeaders);
          answer.pipe(res);
          answer.on('end', resolve);
          answer.on('error', reject);
        },
      );
      forwarded.on('error', reject);
      // A client that goes away mid-request must not leave s3rver waiting for the rest of a body.
      res.on('close', () => {
        if (!res.writableFinished) forwarded.destroy();
      });
      if (body) forwarded.end(body.bytes);
      else req.pipe(forwarded);
    });
  }

  /**
   * The CORS headers s3rver's rules grant this origin for a POST (what a browser needs to read a refusal); none when
   * the rules say no or s3rver cannot be asked.
   */
  async function corsFor(req: IncomingMessage, bucket: string): Promise<Record<string, string>> {
    const origin = req.headers.origin;
    if (!origin) return {};
    try {
      const preflight = await fetch(`${options.upstream}/${encodeURIComponent(bucket)}`, {
        method: 'OPTIONS',
        headers: { origin, 'access-control-request-method': 'POST' },
      });
      await preflight.arrayBuffer();
      if (!preflight.ok) return {};
    } catch {
      return {};
    }
    return {
      'access-control-allow-origin': origin,
      vary: 'Origin, Access-Control-Request-Headers, Access-Control-Request-Method',
    };
  }

  async function refuse(req: IncomingMessage, res: ServerResponse, bucket: string | null, error: S3ErrorAnswer) {
    const { requestId, hostId } = s3RequestIds();
    const body = s3ErrorXml(error, requestId, hostId);
    res.writeHead(error.status, {
      ...(bucket === null ? {} : await corsFor(req, bucket)),
      'content-type': 'application/xml',
      'content-length': Buffer.byteLength(body),
      'x-amz-request-id': requestId,
      'x-amz-id-2': hostId,
    });
    res.end(body);
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const bucket = formPostBucket(req);
    if (bucket === null) return relay(req, res);
    const contentType = req.headers['content-type'] ?? '';
    const form = await parseForm(await readBody(req), contentType);
    if (!form) return refuse(req, res, bucket, MALFORMED);
    const error = checkPostPolicy(form, {
      bucket,
      region: options.region,
      secrets: options.secrets,
      now: options.now(),
    });
    if (error) return refuse(req, res, bucket, error);
    if (!form.file) throw new Error('checkPostPolicy passed a form without a file');
    const encoded = new Response(canonicalForm({ ...form, file: form.file }));
    const bytes = Buffer.from(await encoded.arrayBuffer());
    return relay(req, res, { bytes, contentType: encoded.headers.get('content-type') ?? '' });
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      // s3rver unreachable, or a client gone mid-body: what S3 answers when it fails on its side, CORS included.
      if (!res.destroyed) options.logError?.(`The local S3 front failed on ${req.method} ${req.url}`, error);
      if (res.headersSent) res.destroy();
      else refuse(req, res, formPostBucket(req), INTERNAL).catch(() => res.destroy());
    });
  });
  const { port } = await listen(server, 0, LOOPBACK);
  return {
    endpoint: httpUrl(LOOPBACK, port),
    async stop() {
      await closeServer(server);
      agent.destroy();
    },
  };
}
