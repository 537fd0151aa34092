import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { cp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TIER_ACCESS } from '@toolgate/core/deploy/access';
import { scope } from '@toolgate/core/scopes';
import { findRepoRoot } from '@toolgate/local/paths';
import type { ReloadEvent } from '@toolgate/local/reload/reloader';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiCaller, until, useLocalRuntime } from './support/runtime';
import { postToS3 } from './support/uploads';

/**
 * Issue 19 §3: hot reload of the tier handlers. The runtime bundles its handlers from a copy of packages/core and
 * packages/functions (a test never edits tracked sources) and watches it; edits to the copy must be served within
 * 5 s by the same runtime — same port, same data — with the local IAM check and the contract check still applied,
 * and a syntax error must leave the last good code serving and say where it is.
 */

const repo = findRepoRoot();
const copy = mkdtempSync(join(tmpdir(), 'toolgate-reload-'));
const saved = { ...TIER_ACCESS };
// Polling for the new answer makes many requests a minute: limits high enough for it (read when handlers load).
const LIMITS = { standard: 10_000, tools: 10_000, chat: 10_000 };
const previousLimits = process.env.TOOLGATE_LIMITS;
beforeAll(async () => {
  process.env.TOOLGATE_LIMITS = JSON.stringify({
    plans: {
      free: { requestsPerMinute: LIMITS, chatTokensPerMonth: 1_000_000 },
      pro: { requestsPerMinute: LIMITS, chatTokensPerMonth: 1_000_000 },
    },
    queuedJobs: { free: 3, pro: 10 },
  });
  for (const pkg of ['core', 'functions']) {
    await cp(join(repo, 'packages', pkg), join(copy, 'packages', pkg), {
      recursive: true,
      filter: (path) => !path.includes('node_modules'),
    });
  }
  // The api tier may not start workflows here: reloaded code must still be refused it (its SDK clients are new).
  TIER_ACCESS.api = { ...TIER_ACCESS.api, startIngestion: false };
});
afterAll(async () => {
  if (previousLimits === undefined) delete process.env.TOOLGATE_LIMITS;
  else process.env.TOOLGATE_LIMITS = previousLimits;
  Object.assign(TIER_ACCESS, saved);
  await rm(copy, { recursive: true, force: true });
});

const events: ReloadEvent[] = [];
const runtime = useLocalRuntime({
  seed: false,
  reload: { sourceRoot: copy, outDir: join(copy, 'builds'), debounceMs: 50, onReload: (event) => events.push(event) },
  jobs: { waitTimeSeconds: 0, pollIntervalMs: 20, batchWindowMs: 20 },
});
const call = apiCaller(runtime);
let token = '';
beforeAll(async () => {
  token = await runtime().issuer.mintAccessToken({ sub: 'reload-user', scopes: [scope('jobs'), scope('documents')] });
});

/** The one core source file of the copy that contains `text` (found, so that moving core's folders keeps this test). */
async function coreFileWith(text: string): Promise<string> {
  const dir = join(copy, 'packages/core/src');
  const files = (await readdir(dir, { recursive: true })).filter((file) => file.endsWith('.ts'));
  const matches: string[] = [];
  for (const file of files) if ((await readFile(join(dir, file), 'utf8')).includes(text)) matches.push(file);
  expect(matches).toHaveLength(1);
  return join(dir, matches[0] as string);
}

// The detail of a 404 for an unknown job, written in core (the jobs service), not in the handler module.
const ORIGINAL = `\`No job \${jobId}.\``;
const detailFor = (label: string) => `No job \${jobId} (${label}).`;
const unknownJob = () => call(token, 'GET', `/jobs/${randomUUID()}`);

async function edit(file: string, from: string, to: string): Promise<void> {
  const text = await readFile(file, 'utf8');
  expect(text).toContain(from);
  await writeFile(file, text.replace(from, to));
}

/** The error of the failed reload that `change` causes. */
async function failureOf(change: () => Promise<void>): Promise<string> {
  const before = events.filter((event) => event.outcome === 'failed').length;
  await change();
  const failed = await until(
    async () => events.filter((event) => event.outcome === 'failed'),
    (found) => found.length > before,
    5000,
  );
  return failed.at(-1)?.error ?? '';
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;

describe('hot reload', () => {
  it('serves an edit of core within 5 s on the same port, with the data kept and local IAM still enforced', async () => {
    const { url, port } = runtime();
    const created = await call(token, 'POST', '/jobs', { prompt: 'What does gpu-a10g-hour cost?' });
    expect(created.status, JSON.stringify(created.body)).toBe(202);
    const jobId = created.body.jobId as string;
    const before = await unknownJob();
    expect(before.status).toBe(404);
    expect(before.body.detail).toMatch(/^No job [0-9a-f-]+\.$/);

    const file = await coreFileWith(ORIGINAL);
    let current = ORIGINAL;
    const servedMs: number[] = [];
    for (const label of ['edit 1', 'edit 2', 'edit 3', 'edit 4', 'edit 5']) {
      const next = `\`${detailFor(label)}\``;
      const started = performance.now();
      await edit(file, current, next);
      current = next;
      await until(
        unknownJob,
        (answer) => answer.status === 404 && String(answer.body.detail).endsWith(`(${label}).`),
        5000,
      );
      servedMs.push(performance.now() - started);
    }
    const reloadMs = events.filter((event) => event.outcome === 'reloaded').map((event) => event.durationMs);
    // Reported for the docs (docs/local-development.md): edit-to-served time, and the reloader's own.
    console.info(
      `hot reload: edit to served median ${Math.round(median(servedMs))} ms (${servedMs.map(Math.round).join(', ')}); ` +
        `reload median ${median(reloadMs)} ms`,
    );
    expect(Math.max(...servedMs)).toBeLessThan(5000);

    expect(runtime().url).toBe(url);
    expect(runtime().port).toBe(port);
    // Written before the reloads, read and completed by reloaded handlers (api tier and worker).
    const job = await until(
      () => call(token, 'GET', `/jobs/${jobId}`),
      (answer) => answer.status === 200 && answer.body.status === 'SUCCEEDED',
    );
    expect(job.body.jobId).toBe(jobId);

    // The reloaded api tier's Step Functions client is new, and still checked: starting the workflow is refused.
    const body = 'reloaded\n';
    const upload = await call(token, 'POST', '/uploads', {
      filename: 'notes.txt',
      contentType: 'text/plain',
      size: Buffer.byteLength(body),
    });
    expect(upload.status).toBe(201);
    expect((await postToS3(upload.body.post, body, 'text/plain', 'notes.txt')).status).toBe(204);
    const completed = await call(token, 'POST', `/uploads/${upload.body.id}/complete`);
    expect(completed.status).toBe(500);
    expect(completed.headers.get('content-type')).toBe('application/problem+json');
  }, 60_000);

  it('keeps the last good handlers on a syntax error, says where it is, and recovers on the fix', async () => {
    const file = await coreFileWith(detailFor('edit 5'));
    const good = `\`${detailFor('edit 5')}\``;
    const error = await failureOf(() => edit(file, good, `\`${detailFor('broken')}\` +;`));
    const line = (await readFile(file, 'utf8')).split('\n').findIndex((text) => text.includes('+;')) + 1;
    expect(error).toContain(`${file.slice(copy.length + 1)}:${line}:`);
    expect(error).toMatch(/Unexpected/);
    const still = await unknownJob();
    expect(still.status).toBe(404);
    expect(still.body.detail).toMatch(/\(edit 5\)\.$/);

    await edit(file, `\`${detailFor('broken')}\` +;`, `\`${detailFor('fixed')}\``);
    await until(unknownJob, (answer) => String(answer.body.detail).endsWith('(fixed).'), 5000);
  }, 30_000);

  it('keeps the last good handlers when a module throws while loading, and loads the fix', async () => {
    const file = await coreFileWith(detailFor('fixed'));
    const original = await readFile(file, 'utf8');
    const thrown = `${original}\nthrow new Error('thrown while loading (reload test)');\n`;
    expect(await failureOf(() => writeFile(file, thrown))).toContain('thrown while loading (reload test)');
    expect((await unknownJob()).body.detail).toMatch(/\(fixed\)\.$/);

    // The same code as before the throw is a build of its own: a module that threw is not taken from Node's cache.
    await writeFile(file, original.replace(detailFor('fixed'), detailFor('loaded again')));
    await until(unknownJob, (answer) => String(answer.body.detail).endsWith('(loaded again).'), 5000);
  }, 30_000);
});
