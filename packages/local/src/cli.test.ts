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
    const usages = [['token', '--plan', 'gold'], ['token', '--expires', 'soon'], ['token', '--nope'], ['frobnicate']];
    const results = await Promise.all(usages.map((args) => runCli(args)));
    for (const { code, stdout } of results) {
      expect(code).toBe(2);
      expect(stdout).toBe('');
    }
  }, 20_000);
});

describe('dev CLI', () => {
  let child: ChildProcess | undefined;
  afterAll(() => {
    if (child && child.exitCode === null) child.kill('SIGKILL');
  });

  it('answers /health within 5 s, serves --plan tokens and exits cleanly on SIGTERM', async () => {
    const started = performance.now();
    const dev = spawn(process.execPath, ['--import', 'tsx', cli, 'dev', '--port', '0'], { cwd: root, env: childEnv() });
    child = dev;
    let stdout = '';
    dev.stdout.on('data', (chunk) => (stdout += chunk));
    dev.stderr.resume();
    const exited = new Promise<number | null>((resolve) => dev.on('exit', (code) => resolve(code)));

    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`dev did not start:\n${stdout}`)), 10_000);
      dev.stdout.on('data', () => {
        const match = /listening on (http:\/\/\S+)/.exec(stdout);
        if (match?.[1]) {
          clearTimeout(timer);
          resolve(match[1]);
        }
      });
    });
    expect(url).not.toMatch(/:0$/);
    const health = await fetch(`${url}/health`);
    const elapsed = performance.now() - started;
    expect(health.status).toBe(200);
    expect(elapsed).toBeLessThan(5000);
    expect(stdout).toContain('GET     /me');

    const statePath = join(state.path, 'dev-state.json');
    const devState = JSON.parse(await readFile(statePath, 'utf8')) as { pid: number; url: string };
    expect(devState).toMatchObject({ pid: dev.pid, url });

    const token = await runCli(['token', '--sub', 'plan-user', '--plan', 'pro']);
    expect(token.code).toBe(0);
    const me = await fetch(`${url}/me`, { headers: { authorization: `Bearer ${token.stdout.trim()}` } });
    expect(await me.json()).toMatchObject({ sub: 'plan-user', plan: 'pro' });

    dev.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(existsSync(statePath)).toBe(false);
  }, 30_000);
});
