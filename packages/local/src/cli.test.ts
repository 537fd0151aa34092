import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ALL_SCOPES } from '@toolgate/core/scopes';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findRepoRoot } from './paths';
import { temporaryDir } from './testing/fixtures';

// Each test runs the CLI as `pnpm dev` / `pnpm token` do (tsx), with its state in a temporary folder.
const root = findRepoRoot();
const cli = join(root, 'packages/local/src/cli.ts');
const JWT = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

let state: Awaited<ReturnType<typeof temporaryDir>>;
beforeAll(async () => {
  state = await temporaryDir();
});
afterAll(async () => {
  await state.remove();
});

function childEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, TOOLGATE_LOCAL_DIR: state.path };
  delete env.PORT;
  return env;
}

function runCli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', cli, ...args], { cwd: root, env: childEnv() });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('token CLI', () => {
  it('prints only an access token with every scope by default', async () => {
    const { code, stdout } = await runCli(['token']);
    expect(code).toBe(0);
    expect(stdout.endsWith('\n')).toBe(true);
    expect(stdout.trim()).toMatch(JWT);
    expect(decodeJwt(stdout.trim())).toMatchObject({
      sub: 'local-user',
      scope: ALL_SCOPES.join(' '),
      token_use: 'access',
      client_id: 'toolgate-local-agent',
    });
  }, 20_000);

  it('takes the subject, scopes, client and lifetime from flags', async () => {
    const { code, stdout } = await runCli([
      'token',
      '--sub',
      'u-42',
      '--scope',
      'toolgate/chat',
      '--client',
      'web',
      '--expires',
      '60',
    ]);
    expect(code).toBe(0);
    const claims = decodeJwt(stdout.trim());
    expect(claims).toMatchObject({ sub: 'u-42', scope: 'toolgate/chat', client_id: 'toolgate-local-web' });
    expect(claims.exp! - claims.iat!).toBe(60);
  }, 20_000);

  it('refuses --plan when no dev runtime is running, printing nothing on stdout', async () => {
    const { code, stdout, stderr } = await runCli(['token', '--plan', 'pro']);
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toContain('pnpm dev');
  }, 20_000);

  it('rejects bad usage with exit code 2 and nothing on stdout', async () => {
    const usages = [
      ['token', '--plan', 'gold'],
      ['token', '--expires', 'soon'],
      ['token', '--nope'],
      ['token', '--scope', 'chat'],
      ['token', '--scope', 'toolgate/chat toolgate/admin'],
      ['frobnicate'],
    ];
    const results = await Promise.all(usages.map((args) => runCli(args)));
    for (const { code, stdout } of results) {
      expect(code).toBe(2);
      expect(stdout).toBe('');
    }
    expect(results[3]?.stderr).toContain('unknown scope chat; the scopes are toolgate/profile');
  }, 20_000);
});

/** Starts `pnpm dev --port 0` in a child process and resolves with its URL once it listens. */
function startDev(flags: string[] = []) {
  const dev = spawn(process.execPath, ['--import', 'tsx', cli, 'dev', '--port', '0', ...flags], {
    cwd: root,
    env: childEnv(),
  });
  let stdout = '';
  dev.stdout.on('data', (chunk) => (stdout += chunk));
  dev.stderr.resume();
  const exited = new Promise<number | null>((resolve) => dev.on('exit', (code) => resolve(code)));
  const url = new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`dev did not start:\n${stdout}`)), 20_000);
    dev.stdout.on('data', () => {
      const match = /listening on (http:\/\/\S+)/.exec(stdout);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
  });
  return { dev, url, exited, output: () => stdout };
}

function runStripeSend(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const script = join(root, 'packages/local/src/stripe-send.ts');
    const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], { cwd: root, env: childEnv() });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('dev CLI', () => {
  const children: ChildProcess[] = [];
  afterAll(() => {
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  });

  it('answers /health within 5 s, serves --plan tokens and exits cleanly on SIGTERM', async () => {
    const started = performance.now();
    const { dev, url: listening, exited, output } = startDev();
    children.push(dev);
    const url = await listening;
    expect(url).not.toMatch(/:0$/);
    const health = await fetch(`${url}/health`);
    const elapsed = performance.now() - started;
    expect(health.status).toBe(200);
    expect(elapsed).toBeLessThan(5000);
    expect(output()).toContain('GET     /me');
    // The dev console is in the banner and builds its page on a fresh start (no committed bundle).
    expect(output()).toContain(`Console: ${url}/_console`);
    const script = await fetch(`${url}/_console/app.js`);
    expect(script.status).toBe(200);
    expect(script.headers.get('content-type')).toContain('javascript');
    expect((await script.text()).length).toBeGreaterThan(10_000);
    expect(output()).toContain('Hot reload: on');

    const statePath = join(state.path, 'run', `dev-${new URL(url).port}.json`);
    const devState = JSON.parse(await readFile(statePath, 'utf8')) as { pid: number; url: string };
    expect(devState).toMatchObject({ pid: dev.pid, url });

    const token = await runCli(['token', '--sub', 'plan-user', '--plan', 'pro']);
    expect(token.code).toBe(0);
    const me = await fetch(`${url}/me`, { headers: { authorization: `Bearer ${token.stdout.trim()}` } });
    expect(await me.json()).toMatchObject({ sub: 'plan-user', plan: 'pro' });

    // pnpm stripe:send finds the running runtime by itself (it once posted to :3000 whatever was running).
    const sent = await runStripeSend(['customer.subscription.updated']);
    expect(sent.stderr).toBe('');
    expect(sent.stdout).toMatch(/customer\.subscription\.updated evt_local_\w+ → 200/);

    dev.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(existsSync(statePath)).toBe(false);
  }, 30_000);

  it('two runtimes on two ports keep their own state; a CLI asks which one instead of guessing', async () => {
    const first = startDev();
    const second = startDev(['--no-reload']);
    children.push(first.dev, second.dev);
    const urls = await Promise.all([first.url, second.url]);
    expect(second.output()).toContain('Hot reload: off');
    const ports = urls.map((url) => new URL(url).port);
    for (const port of ports) expect(existsSync(join(state.path, 'run', `dev-${port}.json`))).toBe(true);

    const ambiguous = await runCli(['token', '--sub', 'two-user', '--plan', 'pro']);
    expect(ambiguous.code).toBe(1);
    expect(ambiguous.stdout).toBe('');
    expect(ambiguous.stderr).toContain('several pnpm dev are running');
    expect(ambiguous.stderr).toContain('--port');

    const picked = await runCli(['token', '--sub', 'two-user', '--plan', 'pro', '--port', ports[1] as string]);
    expect(picked.code).toBe(0);
    const me = async (url: string) =>
      (await fetch(`${url}/me`, { headers: { authorization: `Bearer ${picked.stdout.trim()}` } })).json();
    expect(await me(urls[1] as string)).toMatchObject({ plan: 'pro' });
    expect(await me(urls[0] as string)).toMatchObject({ plan: 'free' });

    first.dev.kill('SIGTERM');
    second.dev.kill('SIGTERM');
    expect(await Promise.all([first.exited, second.exited])).toEqual([0, 0]);
  }, 40_000);
});
