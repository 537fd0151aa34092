import { execFileSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { Agent, request } from 'node:https';
import { startDynamoDb } from '@toolgate/local/emulators/dynamodb';
import { describe, expect, it } from 'vitest';
import { DynamoDBClient, DynamoDBDocumentClient, GetCommand } from '../bench/src/fixtures/aws-sdk';
import { lambdaBaseEnvironment } from '../bench/src/runtimes';
import { startTlsProxy } from '../bench/src/tls-proxy';

/**
 * The Lambda-like cold starts reach the DynamoDB emulator through this proxy so that their first call pays a TLS
 * handshake, as deployed: a client that trusts only the proxy's CA (as `NODE_EXTRA_CA_CERTS` makes a child trust it)
 * gets the emulator's answer over https, and one that does not is refused.
 */
const hasOpenssl = (() => {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

describe('the bench TLS proxy', () => {
  // The proxy makes its certificates with the system's openssl; the bench itself fails loudly without it.
  it.skipIf(!hasOpenssl)('serves the plain-http target over https, trusted through its CA only', async () => {
    const target = createServer((_req, res) => res.end('from the emulator'));
    await new Promise<void>((resolve) => target.listen(0, '127.0.0.1', resolve));
    const { port } = target.address() as { port: number };
    const proxy = await startTlsProxy(new URL(`http://127.0.0.1:${port}`));
    try {
      expect(proxy.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
      const ca = await readFile(proxy.caFile);
      const get = (options: { ca?: Buffer }) =>
        new Promise<string>((resolve, reject) => {
          const call = request(proxy.url, { ...options, agent: false }, (response) => {
            let body = '';
            response.setEncoding('utf8');
            response.on('data', (chunk: string) => {
              body += chunk;
            });
            response.on('end', () => resolve(body));
          });
          call.on('error', reject);
          call.end();
        });
      expect(await get({ ca })).toBe('from the emulator');
      await expect(get({})).rejects.toThrow(/certificate/);
      expect(lambdaBaseEnvironment({}, proxy)).toMatchObject({
        AWS_ENDPOINT_URL_DYNAMODB: proxy.url,
        NODE_EXTRA_CA_CERTS: proxy.caFile,
      });
    } finally {
      await proxy.stop();
      await new Promise((resolve) => target.close(resolve));
    }
  });

  // With Nagle on the proxy's sockets, an SDK call through it waited 40 ms for a delayed ACK (the SDK writes its
  // request in parts; Linux delays the ACK the second part waits for by 40 ms), so every child's first DynamoDB call
  // stalled 40 ms that DynamoDB itself never adds (found in a CPU profile: a 40 ms idle gap after the handshake).
  // Each call here is a fresh client and TLS connection, as a cold start's first call is.
  it.skipIf(!hasOpenssl)('adds no delayed-ACK stall to an SDK call', async () => {
    const emulator = await startDynamoDb();
    const proxy = await startTlsProxy(new URL(emulator.endpoint));
    try {
      const ca = await readFile(proxy.caFile);
      const times: number[] = [];
      for (let i = 0; i < 5; i++) {
        const client = new DynamoDBClient({
          endpoint: proxy.url,
          region: 'us-east-1',
          credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' },
          requestHandler: { httpsAgent: new Agent({ ca, keepAlive: true }) },
        });
        const started = performance.now();
        // No such table: a whole request and answer all the same (400 ResourceNotFoundException).
        await DynamoDBDocumentClient.from(client)
          .send(new GetCommand({ TableName: 'no-such-table', Key: { pk: 'a' } }))
          .catch(() => undefined);
        times.push(performance.now() - started);
        client.destroy();
      }
      times.sort((a, b) => a - b);
      // With the stall every call takes over 40 ms; without it a loopback TLS call takes a few.
      expect(times[2]).toBeLessThan(30);
    } finally {
      await proxy.stop();
      await emulator.stop();
    }
  });
});
