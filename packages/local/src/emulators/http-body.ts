import type { IncomingMessage } from 'node:http';

/**
 * Request bodies for the local HTTP endpoints (the API gateway, the Step Functions endpoint): read with a size limit
 * counted as the bytes arrive.
 */

export class RequestTooLargeError extends Error {
  constructor(limit: number) {
    super(`Request body exceeds ${limit} bytes`);
    this.name = 'RequestTooLargeError';
  }
}

export class ClientAbortedError extends Error {
  constructor() {
    super('The client went away before sending the whole body');
    this.name = 'ClientAbortedError';
  }
}

/** The declared Content-Length, or null when the body is chunked or absent. */
export function declaredLength(req: IncomingMessage): number | null {
  const header = req.headers['content-length'];
  if (header === undefined) return null;
  const length = Number(header);
  return Number.isSafeInteger(length) && length >= 0 ? length : null;
}

/**
 * Buffers the body like API Gateway does, counting bytes as they stream in: a chunked body has no Content-Length
 * to check up front. Past the limit the rest is read and discarded (so the client can receive the 413) but never
 * kept in memory.
 */
export function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let received = 0;
    let overflow = false;
    req.on('data', (chunk: Buffer) => {
      received += chunk.length;
      if (overflow) return;
      if (received > maxBytes) {
        overflow = true;
        chunks.length = 0;
        reject(new RequestTooLargeError(maxBytes));
        return;
      }
      chunks.push(chunk);
    });
    req.once('end', () => {
      if (!overflow) resolve(Buffer.concat(chunks, received));
    });
    req.once('error', () => reject(new ClientAbortedError()));
    req.once('aborted', () => reject(new ClientAbortedError()));
  });
}
