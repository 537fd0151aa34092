import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttp2Server, type Http2ServerRequest, type Http2ServerResponse } from 'node:http2';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: unknown;
}

export interface WireReply {
  status?: number;
  headers?: Record<string, string>;
  body: unknown;
  /**
   * Instead of `body`: the exact bytes of a Server-Sent Events stream, written one piece at a time as a server flushes
   * them (`text/event-stream`), for recorded streaming shapes.
   */
  stream?: readonly (string | Uint8Array)[];
}

/**
 * A loopback HTTP server that answers JSON with scripted replies and records every request, so that provider
 * tests exercise the real client stack (SDK serialization, signing, fetch) against the real wire format.
 * `http2` serves cleartext HTTP/2 (prior knowledge), which is what the Bedrock runtime client speaks.
 */
export async function startWireServer(
  reply: (request: RecordedRequest, index: number) => WireReply,
  options: { http2?: boolean } = {},
) {
  const requests: RecordedRequest[] = [];
  const handler = (req: IncomingMessage | Http2ServerRequest, res: ServerResponse | Http2ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      let body: unknown = text;
      try {
        body = text ? JSON.parse(text) : undefined;
      } catch {
        // keep the text
      }
      const request = {
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers as IncomingHttpHeaders,
        body,
      };
      requests.push(request);
      const answer = reply(request, requests.length - 1);
      if (answer.stream) {
        res.writeHead(answer.status ?? 200, { 'content-type': 'text/event-stream', ...answer.headers });
        const pieces = [...answer.stream];
        const next = () => {
          const piece = pieces.shift();
          if (piece === undefined) return void res.end();
          (res as ServerResponse).write(piece);
          setImmediate(next);
        };
        next();
        return;
      }
      res.writeHead(answer.status ?? 200, { 'content-type': 'application/json', ...answer.headers });
      res.end(JSON.stringify(answer.body));
    });
  };
  const server = options.http2 ? createHttp2Server(handler) : createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
