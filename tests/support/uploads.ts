import type { LocalRuntime } from '@toolgate/local/runtime';
import { expect } from 'vitest';
import { apiCaller } from './runtime';

/** The `post` of a `POST /uploads` answer: where to send the file, and the signed policy's fields. */
export interface PresignedPost {
  url: string;
  fields: Record<string, string>;
}

/** What a browser does with the answer of POST /uploads: every field, then the file last, as multipart. */
export function postToS3(
  post: PresignedPost,
  file: Uint8Array | string,
  contentType: string,
  filename: string,
  headers: Record<string, string> = {},
): Promise<Response> {
  const form = new FormData();
  for (const [name, value] of Object.entries(post.fields)) form.append(name, value);
  form.append(
    'file',
    new Blob([typeof file === 'string' ? file : new Uint8Array(file)], { type: contentType }),
    filename,
  );
  return fetch(post.url, { method: 'POST', body: form, headers });
}

/**
 * Uploads `text` as `minutes.txt` for the token's user, completes it and waits for its workflow execution to end:
 * what the ingestion suites start from.
 */
export async function ingestText(runtime: () => LocalRuntime, token: string, text: string) {
  const call = apiCaller(runtime);
  const created = await call(token, 'POST', '/uploads', {
    filename: 'minutes.txt',
    contentType: 'text/plain',
    size: Buffer.byteLength(text),
  });
  expect((await postToS3(created.body.post, text, 'text/plain', 'minutes.txt')).status).toBe(204);
  const id: string = created.body.id;
  expect((await call(token, 'POST', `/uploads/${id}/complete`)).status).toBe(202);
  const execution = runtime()
    .workflows.emulator.executions()
    .find((e) => e.name === id);
  await execution?.done;
  return { id, execution };
}
