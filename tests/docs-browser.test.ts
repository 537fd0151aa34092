import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { manifest } from '@toolgate/core/manifest';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasChromium, launchChromium, SCREENSHOTS, watchPage } from './support/browser';
import { useLocalRuntime } from './support/runtime';

const runtime = useLocalRuntime({ seed: false });
let browser: Browser | undefined;

beforeAll(async () => {
  if (hasChromium) browser = await launchChromium();
}, 30_000);

afterAll(async () => {
  await browser?.close();
});

describe.runIf(hasChromium)('/docs in a real browser', () => {
  it('renders every route offline: nothing leaves loopback, the CSP refuses nothing', async () => {
    const page = await (browser as Browser).newPage({ viewport: { width: 1280, height: 900 } });
    const seen = watchPage(page);
    await page.goto(`${runtime().url}/docs`, { waitUntil: 'load' });
    // One operation block per manifest route, rendered by Swagger UI from /openapi.json.
    await page.waitForFunction((count) => document.querySelectorAll('.opblock').length >= count, manifest.length, {
      timeout: 20_000,
    });
    const paths = await page.$$eval('.opblock-summary-path', (nodes) => nodes.map((node) => node.textContent));
    expect(paths).toContain('/chat');
    expect(paths).toContain('/catalog/{id}');
    await mkdir(SCREENSHOTS, { recursive: true });
    await page.screenshot({ path: join(SCREENSHOTS, 'docs.png') });
    expect(seen.offLoopback).toEqual([]);
    expect(seen.errors).toEqual([]);
    await page.close();
  }, 40_000);
});
