import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { createUploadStorage } from '@toolgate/core/uploads/aws/storage';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { LOCAL_CREDENTIALS } from '../local-env';
import { ensureBucket } from '../resources/provision';
import { startS3 } from './s3';
import type { Emulator } from './types';

/**
 * The local S3 reports its own failures to the runtime's log (s3rver runs silent), so that a browser upload that
 * fails without a readable answer still says why somewhere.
 */
const BUCKET = 'toolgate-test-uploads';
const ORIGIN = 'http://localhost:5173';
let directory: string;
let s3: Emulator;
let client: S3Client;
const logged: [string, unknown][] = [];

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'toolgate-s3-test-'));
  s3 = await startS3({ region: 'us-east-1', directory, logError: (message, error) => logged.push([message, error]) });
  client = new S3Client({
    region: 'us-east-1',
    endpoint: s3.endpoint,
    forcePathStyle: true,
    credentials: LOCAL_CREDENTIALS,
  });
  await ensureBucket(client, BUCKET, [ORIGIN]);
});
afterAll(async () => {
  client.destroy();
  await s3.stop();
  await rm(directory, { recursive: true, force: true });
});
beforeEach(() => {
  logged.length = 0;
});

describe('the local S3', () => {
  it('does not report the S3 errors it answers a client with', async () => {
    await expect(client.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'missing' }))).rejects.toMatchObject({
      name: 'NoSuchKey',
    });
    expect(logged).toEqual([]);
  });

  it('reports a failure of s3rver itself (its CORS rules unreadable), which a browser sees only as a CORS error', async () => {
    const post = await createUploadStorage(client, BUCKET).presignPost({
      key: 'users/alice/uploads/a',
      contentType: 'text/plain',
      size: 2,
      expiresSeconds: 300,
    });
    // s3rver reads the bucket's CORS rules from this file on every request: a directory in its place breaks that read.
    const rules = join(directory, BUCKET, '._S3rver_cors.xml');
    await rm(rules);
    await mkdir(rules);
    const form = new FormData();
    for (const [name, value] of Object.entries(post.fields)) form.append(name, value);
    form.append('file', new Blob(['hi'], { type: 'text/plain' }), 'a.txt');
    const answer = await fetch(post.url, { method: 'POST', body: form, headers: { origin: ORIGIN } });
    expect(answer.status).toBe(500);
    expect(answer.headers.get('access-control-allow-origin')).toBeNull();
    expect(logged.map(([message, error]) => [message, (error as NodeJS.ErrnoException).code])).toEqual([
      ['The local S3 (s3rver) failed', 'EISDIR'],
    ]);
  });
});
