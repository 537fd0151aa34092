import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, type Server } from 'node:tls';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface TlsProxy {
  /** `https://127.0.0.1:<port>`: what a child's `AWS_ENDPOINT_URL_DYNAMODB` points at. */
  url: string;
  /** The CA that signed the proxy's certificate, for the child's `NODE_EXTRA_CA_CERTS`. */
  caFile: string;
  stop(): Promise<void>;
}

/**
 * A loopback TLS terminator in front of a plain-http emulator. Deployed, the SDK's first DynamoDB call opens a TLS
 * connection (handshake, certificate chain verification against Node's roots plus `NODE_EXTRA_CA_CERTS`, which
 * Lambda's bootstrap sets); against the emulator's plain http a cold start skips all of that. The proxy's
 * certificate is signed by a throwaway CA (a chain, as AWS presents), made with the system's `openssl`.
 */
export async function startTlsProxy(target: URL): Promise<TlsProxy> {
  const dir = await mkdtemp(join(tmpdir(), 'toolgate-bench-tls-'));
  const file = (name: string) => join(dir, name);
  const openssl = (args: string[]) => run('openssl', args, { cwd: dir });
  await openssl([
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-days',
    '2',
    '-subj',
    '/CN=toolgate bench CA',
    '-keyout',
    'ca.key',
    '-out',
    'ca.pem',
  ]);
  await openssl([
    'req',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-subj',
    '/CN=127.0.0.1',
    '-keyout',
    'server.key',
    '-out',
    'server.csr',
  ]);
  await writeFile(file('san.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  await openssl([
    'x509',
    '-req',
    '-in',
    'server.csr',
    '-CA',
    'ca.pem',
    '-CAkey',
    'ca.key',
    '-CAcreateserial',
    '-days',
    '2',
    '-extfile',
    'san.ext',
    '-out',
    'server.pem',
  ]);

  const port = Number(target.port || 80);
  const open = new Set<{ destroy(): void }>();
  const server: Server = createServer(
    // No Nagle on either leg (`noDelay`, `setNoDelay`): with it, a part of an SDK call (written in several pieces)
    // waited for the ACK of the previous one, which Linux delays by 40 ms. That stall, right after the TLS handshake,
    // was in every subject's first request (found in a CPU profile: a 40 ms idle gap after `checkServerIdentity`);
    // DynamoDB's own endpoints do not add it. tests/bench-tls-proxy.test.ts fails with it.
    { key: await readFile(file('server.key')), cert: await readFile(file('server.pem')), noDelay: true },
    (socket) => {
      socket.setNoDelay(true);
      const upstream = connect({ port, host: target.hostname, noDelay: true });
      open.add(socket);
      open.add(upstream);
      socket.on('close', () => open.delete(socket));
      upstream.on('close', () => open.delete(upstream));
      socket.pipe(upstream).pipe(socket);
      const close = () => {
        socket.destroy();
        upstream.destroy();
      };
      socket.on('error', close);
      upstream.on('error', close);
    },
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (typeof address !== 'object' || address === null) throw new Error('TLS proxy: no address');
  return {
    url: `https://127.0.0.1:${address.port}`,
    caFile: file('ca.pem'),
    async stop() {
      for (const socket of open) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await rm(dir, { recursive: true, force: true });
    },
  };
}
