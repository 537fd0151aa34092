import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';

/**
 * Debian's Chromium driven by playwright-core: no browser download, ever. `.ci/run` installs the `chromium` package
 * when it is missing, and CI fails when it still cannot be found; on a developer machine without it the browser
 * suites say so and do not run (`apt-get install chromium` brings them back).
 */
export const CHROMIUM_PATH = process.env.TOOLGATE_CHROMIUM ?? '/usr/bin/chromium';
export const hasChromium = existsSync(CHROMIUM_PATH);

if (!hasChromium) {
  if (process.env.CI) throw new Error(`Chromium not found at ${CHROMIUM_PATH}: .ci/run installs Debian's chromium`);
  console.warn(`browser tests not run: no Chromium at ${CHROMIUM_PATH} (apt-get install chromium)`);
}

/** Where the browser suites leave their screenshots, for a person to look at (gitignored). */
export const SCREENSHOTS = join(import.meta.dirname, '..', '..', '.toolgate', 'screenshots');

export async function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    // Root in CI needs --no-sandbox; the rest keeps Chromium from reaching for the network on its own.
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-default-apps',
    ],
  });
}

/**
 * Records every request a page makes that does not go to loopback, and every console error (CSP refusals too). For a
 * failing test's message, `crossOrigin` keeps what the network saw of each cross-origin request (status and CORS
 * grant, or why it failed): a page only learns "CORS error" when the grant is missing, whatever the server said.
 */
export function watchPage(page: Page) {
  const offLoopback: string[] = [];
  const errors: string[] = [];
  const crossOrigin: string[] = [];
  const isCrossOrigin = (url: string) => {
    const { protocol, origin } = new URL(url);
    return (protocol === 'http:' || protocol === 'https:') && origin !== new URL(page.url()).origin;
  };
  page.on('request', (request) => {
    const { protocol, hostname } = new URL(request.url());
    if (protocol === 'data:' || protocol === 'blob:') return;
    if (!['127.0.0.1', 'localhost', '[::1]'].includes(hostname)) offLoopback.push(request.url());
  });
  page.on('response', (response) => {
    if (response.request().isNavigationRequest() || !isCrossOrigin(response.url())) return;
    const grant = response.headers()['access-control-allow-origin'] ?? 'none';
    const line = `${response.request().method()} ${response.url()} → ${response.status()} (allow-origin: ${grant})`;
    crossOrigin.push(line);
  });
  page.on('requestfailed', (request) => {
    if (request.isNavigationRequest() || !isCrossOrigin(request.url())) return;
    crossOrigin.push(`${request.method()} ${request.url()} failed: ${request.failure()?.errorText ?? 'unknown'}`);
  });
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  page.on('pageerror', (error) => errors.push(error.message));
  return { offLoopback, errors, crossOrigin };
}
