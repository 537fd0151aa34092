import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { scope } from '@toolgate/core/scopes';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasChromium, launchChromium, watchPage } from './support/browser';
import { useLocalRuntime } from './support/runtime';

/**
 * The browser upload example of docs/uploads.md, run as written in Chromium from another origin: the API's CORS, the
 * bucket's CORS, the presigned POST through the local S3's policy check (which refuses what S3 refuses), complete,
 * and polling until READY. The snippet is read from the doc itself, so the doc cannot drift from what works.
 */
function docExample(): string {
  const doc = readFileSync(join(import.meta.dirname, '..', 'docs', 'uploads.md'), 'utf8');
  const section = doc.slice(doc.indexOf('### From a browser'));
  const code = /```js\n([\s\S]*?)```/.exec(section)?.[1];
  if (!code) throw new Error('docs/uploads.md has no js example under "From a browser"');
  return code;
}

// The page's origin must exist before the runtime starts: its CORS allow-list names it.
const pages = createServer((_request, response) => {
  response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
  response.end('<!doctype html><title>upload example</title><link rel="icon" href="data:,">');
});
await new Promise<void>((resolve) => pages.listen(0, '127.0.0.1', resolve));
const origin = `http://127.0.0.1:${(pages.address() as AddressInfo).port}`;

const runtime = useLocalRuntime({ allowedOrigins: [origin], workflowRetryIntervalMs: 5 });
let browser: Browser | undefined;

beforeAll(async () => {
  if (hasChromium) browser = await launchChromium();
}, 30_000);

afterAll(async () => {
  await browser?.close();
  await new Promise((resolve) => pages.close(resolve));
});

describe.runIf(hasChromium)('the browser upload example of docs/uploads.md', () => {
  it('uploads from another origin by presigned POST and the document reaches READY', async () => {
    const token = await runtime().issuer.mintAccessToken({ sub: 'browser-user', scopes: [scope('documents')] });
    const page = await (browser as Browser).newPage();
    const seen = watchPage(page);
    await page.goto(origin);
    const code = docExample().replace("const api = 'http://localhost:3000';", `const api = '${runtime().url}';`);
    expect(code).toContain(runtime().url);
    const upload = (await page.evaluate(`(async () => {
      const token = ${JSON.stringify(token)};
      const file = new File(['# Otters\\n\\nSea otters hold hands while they sleep.\\n'], 'otters.md');
      ${code}
      return { upload, stored: stored.status };
    })()`)) as { upload: { status: string; filename: string }; stored: number };
    expect(upload.stored).toBe(204);
    expect(upload.upload).toMatchObject({ status: 'READY', filename: 'otters.md' });
    expect(seen.errors).toEqual([]);
    expect(seen.offLoopback).toEqual([]);
    await page.close();
  }, 40_000);
});
