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
