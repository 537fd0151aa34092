import { copyFile, mkdir } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasChromium, launchChromium, SCREENSHOTS, watchPage } from './support/browser';
import { captureProcessOutput } from './support/output-capture';
import { useLocalRuntime } from './support/runtime';

/**
 * The dev console (`/_console`, docs/console.md) in Chromium, against a whole local runtime: it loads with nothing
 * leaving loopback, shows a request made outside the page within 2 s (with its log lines), completes a chat turn
 * with its tool trace, uploads a file by presigned POST and follows its workflow to READY state by state, shows a
 * job with its status, and runs the flood demo. `TOOLGATE_UPDATE_SCREENSHOTS=1` refreshes docs/img/console-*.png.
 */

// The handlers' log lines are what the console shows per request: log at INFO (read when the runtime imports them),
// and keep them out of the test output.
const previousLevel = process.env.POWERTOOLS_LOG_LEVEL;
process.env.POWERTOOLS_LOG_LEVEL = 'INFO';
// As `pnpm dev`: the dev model writes a word every 30 ms (twice `pnpm dev`'s 15 ms), so that a streamed reply is in flight long enough for Stop to land on a loaded CI machine.
const previousChunkDelay = process.env.TOOLGATE_DEV_MODEL_CHUNK_DELAY_MS;
process.env.TOOLGATE_DEV_MODEL_CHUNK_DELAY_MS = '30';
captureProcessOutput();

// A fixed port, so that the runtime adds the console's own origin to the bucket's CORS rule (as `pnpm dev` on :3000).
const port = await new Promise<number>((resolve, reject) => {
  const probe = createServer();
  probe.once('error', reject);
  probe.listen(0, '127.0.0.1', () => {
    const address = probe.address();
    probe.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
  });
});
/** What the runtime's parts could not complete (a failing test names it). */
const runtimeErrors: string[] = [];
const runtime = useLocalRuntime({
  port,
  console: true,
  workflowRetryIntervalMs: 5,
  onError: (message, error) => runtimeErrors.push(error instanceof Error ? `${message}: ${error.message}` : message),
});
const DOCS_IMG = join(import.meta.dirname, '..', 'docs', 'img');
let browser: Browser | undefined;
let page: Page;
let seen: ReturnType<typeof watchPage>;
/** The streamed chat's whole reply (the dev model is deterministic: the same question gets it again). */
let fullReply = '';
const refused: string[] = [];

beforeAll(async () => {
  if (!hasChromium) return;
  browser = await launchChromium();
  const context = await browser.newContext({ viewport: { width: 1360, height: 900 } });
  // Offline by construction: anything not on loopback is refused (and fails the suite below).
  await context.route(
    (url) => !['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname) && !['data:', 'blob:'].includes(url.protocol),
    (route) => {
      refused.push(route.request().url());
      return route.abort('internetdisconnected');
    },
  );
  page = await context.newPage();
  seen = watchPage(page);
}, 30_000);

afterAll(async () => {
  await browser?.close();
  if (previousLevel === undefined) delete process.env.POWERTOOLS_LOG_LEVEL;
  else process.env.POWERTOOLS_LOG_LEVEL = previousLevel;
  if (previousChunkDelay === undefined) delete process.env.TOOLGATE_DEV_MODEL_CHUNK_DELAY_MS;
  else process.env.TOOLGATE_DEV_MODEL_CHUNK_DELAY_MS = previousChunkDelay;
});

async function screenshot(name: string) {
  await mkdir(SCREENSHOTS, { recursive: true });
  const path = join(SCREENSHOTS, `console-${name}.png`);
  await page.screenshot({ path });
  if (process.env.TOOLGATE_UPDATE_SCREENSHOTS === '1') {
    await mkdir(DOCS_IMG, { recursive: true });
    await copyFile(path, join(DOCS_IMG, `console-${name}.png`));
  }
}

describe.runIf(hasChromium)('the dev console in a real browser', () => {
  it('is served beside the API but is not part of it', async () => {
    expect(runtime().consoleUrl).toBe(`${runtime().url}/_console`);
    const openapi = await (await fetch(`${runtime().url}/openapi.json`)).text();
    expect(openapi).not.toContain('_console');
  });

  it('loads offline and shows a request made outside the page within 2 s, its log lines one click away', async () => {
    await page.goto(runtime().consoleUrl as string, { waitUntil: 'load' });
    await page.waitForSelector('table.requests');
    const started = performance.now();
    const answer = await fetch(`${runtime().url}/catalog?category=models&limit=3`);
    const requestId = answer.headers.get('apigw-requestid') as string;
    expect(answer.status).toBe(200);
    const row = page.locator(`tr[data-request-id="${requestId}"]`);
    await row.waitFor({ timeout: 2_000 });
    expect(performance.now() - started).toBeLessThan(2_000);
    await expect
      .poll(() => row.locator('td').allTextContents())
      .toEqual(expect.arrayContaining(['GET', '/catalog', 'public', '200', 'handler', requestId]));
    // An unauthenticated call to a JWT route: answered by the gateway's authorizer, not by a Lambda.
    const refusedCall = await fetch(`${runtime().url}/me`);
    const refusedRow = page.locator(`tr[data-request-id="${refusedCall.headers.get('apigw-requestid')}"]`);
    await expect.poll(() => refusedRow.locator('td').allTextContents(), { timeout: 2_000 }).toContain('authorizer');
    await refusedRow.click();
    await expect
      .poll(() => page.getByTestId('request-logs').textContent())
      .toContain('the local gateway answered by itself: authorizer:');

    await row.click();
    const logs = page.getByTestId('request-logs');
    await expect.poll(() => logs.textContent()).toContain(`"correlation_id": "${requestId}"`);
    await screenshot('requests');
  }, 30_000);

  it('streams a chat turn as a dev user: text grows as it arrives, the tool trace shows before the reply ends', async () => {
    await page.locator('form.user button[type="submit"]').click();
    await page.getByTestId('current-user').waitFor();
    await page.goto(`${runtime().consoleUrl}#chat`);
    // Sample the page once per animation frame while the turn is sent: the reply's length, the trace's rows, the
    // turn's state. A buffered answer would go from "no reply" to "whole reply, done" in one frame.
    await page.evaluate(() => {
      const samples: { state: string | null; length: number; rows: number; outputs: number }[] = [];
      (window as unknown as { samples: typeof samples }).samples = samples;
      const sample = () => {
        const turn = document.querySelector('.thread .turn');
        samples.push({
          state: turn?.getAttribute('data-state') ?? null,
          length: turn?.querySelector('.agent')?.textContent?.length ?? 0,
          rows: turn?.querySelectorAll('.trace tbody tr').length ?? 0,
          outputs: [...(turn?.querySelectorAll('.trace tbody tr td:nth-child(4)') ?? [])].filter(
            (cell) => cell.textContent !== '…',
          ).length,
        });
        if (samples.at(-1)?.state !== 'done') requestAnimationFrame(sample);
      };
      requestAnimationFrame(sample);
    });
    await page.locator('form.composer input[name="message"]').fill('Find the cheapest GPU and tell me its price');
    await page.locator('form.composer button[type="submit"]').click();
    await page.waitForSelector('.turn[data-state="done"]', { timeout: 15_000 });
    const samples = await page.evaluate(
      () =>
        (window as unknown as { samples: { state: string | null; length: number; rows: number; outputs: number }[] })
          .samples,
    );
    const streaming = samples.filter((sample) => sample.state === 'streaming');
    const final = samples.at(-1);
    expect(final?.state).toBe('done');
    // The reply was seen at several partial lengths, each longer than the last, before `done`.
    const lengths = [...new Set(streaming.map((sample) => sample.length))];
    expect(lengths).toEqual([...lengths].sort((a, b) => a - b));
    expect(lengths.filter((length) => length > 0 && length < (final?.length ?? 0)).length).toBeGreaterThanOrEqual(3);
    // Both tool rows were on screen while the reply was still partial, without outputs (the stream carries none) …
    expect(
      streaming.some((sample) => sample.rows === 2 && sample.length < (final?.length ?? 0) && sample.outputs === 0),
    ).toBe(true);
    const trace = page.getByTestId('tool-trace');
    const tools = await trace.locator('tbody tr td:nth-child(2)').allTextContents();
    expect(tools).toEqual(['catalog_search', 'catalog_get']);
    // … and after `done` each row has its step, input, output (read back from GET /conversations/{id}) and duration.
    const rows = await trace
      .locator('tbody tr')
      .evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent ?? '')));
    expect(rows.map((row) => row[0])).toEqual(['1', '2']);
    expect(rows[0]?.[2]).toContain('"q"');
    expect(rows[0]?.[3]).toContain('"items"');
    expect(rows[1]?.[3]).toContain('"price');
    for (const row of rows) expect(row[4]).toMatch(/^\d+(\.\d)? ms$/);
    fullReply = (await page.locator('.turn .agent').textContent()) ?? '';
    expect(fullReply).toMatch(/\$|USD|price/i);
    await expect.poll(() => page.locator('.conversations li').count(), { timeout: 5_000 }).toBe(1);
    await screenshot('chat');

    // After a reload the conversation is listed from the table and opens from GET /conversations/{id}.
    await page.reload();
    await page.locator('form.user button[type="submit"]').click();
    await page.getByTestId('current-user').waitFor();
    await page.locator('.conversations li button').first().click();
    await expect
      .poll(() => page.getByTestId('tool-trace').locator('tbody tr td:nth-child(2)').allTextContents())
      .toEqual(['catalog_search', 'catalog_get']);
    expect(await page.locator('.turn .you').textContent()).toBe('Find the cheapest GPU and tell me its price');
  }, 30_000);

  it('Stop aborts a streaming turn; the conversation keeps what was produced, marked interrupted after a reload', async () => {
    await page.getByRole('button', { name: '+ New conversation' }).click();
    await page.locator('form.composer input[name="message"]').fill('Find the cheapest GPU and tell me its price');
    await page.locator('form.composer button[type="submit"]').click();
    const turn = page.locator('.thread .turn').first();
    // Stop once the reply has started, long before its end (a word every 30 ms).
    await expect
      .poll(() => turn.locator('.agent').evaluate((element) => element.textContent?.length ?? 0), {
        timeout: 15_000,
        interval: 10,
      })
      .toBeGreaterThan(0);
    await page.getByRole('button', { name: 'Stop' }).click();
    await expect.poll(() => turn.getAttribute('data-state')).toBe('stopped');
    const shown = (await turn.locator('.agent').textContent()) ?? '';
    expect(shown.length).toBeLessThan(fullReply.length);
    expect(fullReply.startsWith(shown)).toBe(true);
    expect(await turn.locator('.stopped').textContent()).toContain('stopped');
    await expect.poll(() => page.locator('form.composer button[type="submit"]').textContent()).toBe('Send');

    // After a reload: the server saved the turn as interrupted, with the text produced before the abort.
    const readBack = async () => {
      await page.reload();
      await page.locator('form.user button[type="submit"]').click();
      await page.getByTestId('current-user').waitFor();
      await expect.poll(() => page.locator('.conversations li').count()).toBe(2);
      await page.locator('.conversations li button').first().click();
      return (await page.locator('.thread .turn').first().getAttribute('data-state', { timeout: 2_000 })) ?? '';
    };
    await expect.poll(readBack, { timeout: 10_000 }).toBe('interrupted');
    const saved = (await page.locator('.thread .turn .agent').first().textContent()) ?? '';
    expect(saved.length).toBeLessThan(fullReply.length);
    expect(fullReply.startsWith(saved)).toBe(true);
    expect(await page.locator('.thread .turn .stopped').textContent()).toContain('interrupted');
    await screenshot('chat-interrupted');
  }, 40_000);

  it('shows a refusal that comes before the stream (a token without the chat scope) as problem+json', async () => {
    const chat = page.locator('form.user').getByLabel('chat', { exact: true });
    await chat.uncheck();
    await page.locator('form.user button[type="submit"]').click();
    await page.getByRole('button', { name: '+ New conversation' }).click();
    await page.locator('form.composer input[name="message"]').fill('Hello');
    await page.locator('form.composer button[type="submit"]').click();
    const turn = page.locator('.thread .turn[data-state="failed"]');
    await expect.poll(() => turn.locator('.error').textContent(), { timeout: 5_000 }).toMatch(/^403 Forbidden/);
    // Chromium logs every non-2xx answer as a console error: this one was expected, and is the only one.
    expect(seen.errors.splice(0)).toEqual([
      'Failed to load resource: the server responded with a status of 403 (Forbidden)',
    ]);
    await chat.check();
    await page.locator('form.user button[type="submit"]').click();
  }, 20_000);

  it('uploads a file from the browser and follows its workflow to READY, state by state', async () => {
    await page.goto(`${runtime().consoleUrl}#uploads`);
    await page.locator('input[type="file"]').setInputFiles({
      name: 'otters.md',
      mimeType: 'text/markdown',
      buffer: Buffer.from('# Otters\n\nSea otters hold hands while they sleep, so that they do not drift apart.\n'),
    });
    await page.locator('form.toolbar button[type="submit"]').click();
    const upload = page.locator('article.upload').first();
    await expect
      .poll(() => upload.locator('header .badge').textContent(), {
        timeout: 20_000,
        // What the console said and what S3 answered are what explain an upload that stays PENDING.
        message: 'upload READY',
      })
      .toBe('READY')
      .catch(async (error: Error) => {
        const said = await page.locator('form.toolbar .muted').textContent();
        throw new Error(
          [
            error.message,
            `the console said: ${said}`,
            `cross-origin: ${seen.crossOrigin.join('; ')}`,
            `runtime errors: ${runtimeErrors.join('; ') || 'none'}`,
          ].join('\n'),
        );
      });
    await expect.poll(() => upload.locator('.execution .badge').textContent()).toBe('SUCCEEDED');
    const states = await upload.locator('table.states tbody tr').evaluateAll((rows) =>
      rows.map((row) => ({
        state: row.getAttribute('data-state'),
        status: row.className,
        output: row.querySelector('td:nth-child(3)')?.textContent ?? '',
      })),
    );
    expect(states.map((row) => row.state)).toEqual(['Validate', 'ExtractText', 'Summarize', 'Store', 'MarkReady']);
    for (const row of states) {
      expect(row.status).toBe('done');
      expect(row.output).toContain('"uploadId"');
    }
    await screenshot('uploads');
  }, 40_000);

  it('shows a job with its status and the queues', async () => {
    await page.goto(`${runtime().consoleUrl}#jobs`);
    await page.locator('form.toolbar button[type="submit"]').click();
    const job = page.locator('table.jobs tbody tr').first();
    await job.waitFor({ timeout: 5_000 });
    await expect.poll(() => job.locator('.badge').textContent(), { timeout: 20_000 }).toBe('SUCCEEDED');
    expect(await job.locator('td:nth-child(4)').textContent()).toBe('1');
    expect(await page.getByTestId('queue-dlq').textContent()).toContain('0 messages');
    await screenshot('jobs');
  }, 30_000);

  it('runs the flood demo: public traffic is refused while authenticated traffic holds', async () => {
    await page.goto(`${runtime().consoleUrl}#tiers`);
    await page.getByRole('button', { name: 'Run the flood demo' }).click();
    const result = page.getByTestId('flood-result');
    await result.waitFor({ timeout: 25_000 });
    const text = (await result.textContent()) ?? '';
    // Refused by the route throttle (429) or, when this machine's CPU holds the flood below the throttle's rate, by
    // the public tier's reserved concurrency (500): either way public traffic fails and the signed-in client does not.
    expect(text).toMatch(/"(429|500)":[1-9]/);
    expect(text).toMatch(/authenticated: [1-9]\d* sent, 0 failed/);
    // Some point of the public tier's 429 or 500 line is above the baseline (y = 120): the refusals were drawn.
    const heights = await page
      .locator('.tier[data-tier="public"]')
      .locator('polyline.s429, polyline.s500')
      .evaluateAll((lines) =>
        lines.flatMap((line) =>
          (line.getAttribute('points') ?? '').split(' ').map((point) => Number(point.split(',')[1])),
        ),
      );
    expect(Math.min(...heights)).toBeLessThan(120);
    await screenshot('tiers');
  }, 40_000);

  it('made no request off loopback, logged no error in the page, and the runtime reported no failure', () => {
    expect(refused).toEqual([]);
    expect(seen.offLoopback).toEqual([]);
    expect(seen.errors).toEqual([]);
    expect(runtimeErrors).toEqual([]);
  });
});
