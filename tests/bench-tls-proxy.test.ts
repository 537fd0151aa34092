import { execFileSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { request } from 'node:https';
import { describe, expect, it } from 'vitest';
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
});
