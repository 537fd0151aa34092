import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findRepoRoot } from '../paths';
import { describeModel } from './dev';
import { MIN_NODE, nodeVersionProblem, sdkNodeNotice } from './node-version';
import { parseOrigins } from './origins';

describe('--allow-origin', () => {
  it('takes origins (scheme, host, port), once each', () => {
    expect(parseOrigins(['http://localhost:5173', 'https://app.example.com', '', ' http://localhost:5173 '])).toEqual([
      'http://localhost:5173',
      'https://app.example.com',
    ]);
  });

  it.each([['*'], ['http://*.example.com'], ['localhost:5173'], ['http://x.test/path'], ['ftp://x.test']])(
    'refuses %s',
    (value) => {
      expect(() => parseOrigins([value])).toThrow(/not an origin like/);
    },
  );
});

describe('the Node version check', () => {
  it('matches the engines field of the root package.json', () => {
    const engines = JSON.parse(readFileSync(join(findRepoRoot(), 'package.json'), 'utf8')).engines.node as string;
    expect(engines).toBe(`>=${MIN_NODE.major}.${MIN_NODE.minor}`);
  });

  it('refuses an older Node in one line and accepts the supported ones', () => {
    expect(nodeVersionProblem('20.18.3')).toBe(
      'toolgate needs Node.js 20.19 or newer; this is 20.18.3 (see "engines" in package.json)',
    );
    expect(nodeVersionProblem('18.20.0')).toMatch(/needs Node\.js 20\.19/);
    for (const ok of ['20.19.0', '20.20.2', '22.0.0', '24.11.1']) expect(nodeVersionProblem(ok)).toBeNull();
  });

  it("replaces the AWS SDK's 9-line notice with one line, on Node 20 only", () => {
    expect(sdkNodeNotice('20.20.2')).toMatch(/^note: Node 20\.20\.2; AWS SDK releases after January 2027 need Node 22/);
    expect(sdkNodeNotice('22.12.0')).toBeNull();
  });
});

describe('the banner names the model', () => {
  it('for each provider, and never an API key', () => {
    expect(describeModel({ provider: 'dev', latencyMs: 0, chunkDelayMs: 0 })).toBe('dev (deterministic, offline)');
    expect(describeModel({ provider: 'dev', latencyMs: 0, chunkDelayMs: 15 })).toBe(
      'dev (deterministic, offline, streams a word every 15 ms)',
    );
    expect(describeModel({ provider: 'bedrock', modelId: 'amazon.nova-lite-v1:0' })).toBe(
      'bedrock amazon.nova-lite-v1:0',
    );
    const openai = describeModel({
      provider: 'openai',
      baseUrl: 'http://user:pw@127.0.0.1:8080/v1',
      modelId: 'qwen',
      apiKey: 'sk-secret',
    });
    expect(openai).toBe('openai-compatible qwen at http://127.0.0.1:8080/v1');
  });
});
