import { PayloadTooLargeError, UnsupportedMediaTypeError, ValidationError } from '@toolgate/core/errors';
import { MAX_JSON_BODY_BYTES } from '@toolgate/core/limits/body';
import type { Context } from 'hono';
import type { AppEnv } from './types';

export interface JsonBodyOptions {
  /** An empty body reads as `undefined` instead of a 400 (e.g. a tool that takes no input). */
  optional?: boolean;
  /** JSON bodies here are small; anything big belongs in an upload. */
  maxBytes?: number;
}

/** `application/json`, `application/json; charset=utf-8`, `application/problem+json`, ... */
export function isJsonContentType(header: string | undefined): boolean {
  const mediaType = header?.split(';')[0]?.trim().toLowerCase() ?? '';
  return mediaType === 'application/json' || /^application\/[a-z0-9.+-]+\+json$/.test(mediaType);
}

/**
 * Reads a JSON request body: 415 for another content type, 400 naming `body` for malformed JSON, 413 past
 * `maxBytes`. Every failure is a domain error, so it leaves as problem+json like any other.
 */
export async function readJsonBody(c: Context<AppEnv>, options: JsonBodyOptions = {}): Promise<unknown> {
  const maxBytes = options.maxBytes ?? MAX_JSON_BODY_BYTES;
  const text = await c.req.text();
  if (text.trim() === '') {
    if (options.optional) return undefined;
    throw new ValidationError([{ field: 'body', message: 'is required (a JSON object)' }]);
  }
  if (!isJsonContentType(c.req.header('content-type'))) {
    throw new UnsupportedMediaTypeError('Send the body as application/json.');
  }
  if (Buffer.byteLength(text) > maxBytes) {
    throw new PayloadTooLargeError(`The JSON body must be at most ${maxBytes} bytes; send large content as an upload.`);
  }
  try {
    return JSON.parse(text);
  } catch {
    // The parser's message quotes the input back; the caller already has it.
    throw new ValidationError([{ field: 'body', message: 'is not valid JSON' }]);
  }
}
