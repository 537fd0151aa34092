import { describe, expect, it } from 'vitest';
import {
  formatColdStartReport,
  leverCheck,
  nodeMajorOf,
  parseInitCheck,
  parseInitStart,
  parseReport,
  summarizeTier,
} from './coldstart';

/**
 * Real lines as Lambda wrote them, copied from public repositories' logs and fixtures (request ids and ARNs as
 * published): text format with tabs, a warm invocation without Init Duration, a SnapStart restore (Java: Node has no
 * SnapStart, but the line shape is Lambda's), and the JSON format that toolgate's functions log in.
 */
const TEXT_COLD =
  'REPORT RequestId: 2307132f-9014-403c-ba61-9b6c487af6f1\tDuration: 8.83 ms\tBilled Duration: 9 ms\tMemory Size: 1024 MB\tMax Memory Used: 65 MB\tInit Duration: 138.10 ms\t';
const TEXT_WARM =
  'REPORT RequestId: 9da0a08b-1f13-4594-bca7-86fad8da42f0\tDuration: 1.95 ms\tBilled Duration: 2 ms\tMemory Size: 1024 MB\tMax Memory Used: 65 MB\t';
const TEXT_WARM_NO_TRAILING_TAB =
  'REPORT RequestId: 8c29efea-a156-4ef4-92d1-f8a30110af75\tDuration: 1.91 ms\tBilled Duration: 2 ms\tMemory Size: 1024 MB\tMax Memory Used: 65 MB';
const TEXT_RESTORE =
  'REPORT RequestId: b771fecc-1b53-4faf-922d-1d74357b1676\tDuration: 306.34 ms\tBilled Duration: 610 ms\tMemory Size: 3009 MB\tMax Memory Used: 155 MB\tRestore Duration: 511.25 ms\tBilled Restore Duration: 303 ms\t';
const TEXT_XRAY =
  'REPORT RequestId: 24addd09-6e64-49fb-b187-94ba9b60b59a Duration: 127.10 ms Billed Duration: 154 ms Memory Size: 2048 MB Max Memory Used: 212 MB Restore Duration: 325.93 ms Billed Restore Duration: 26 ms XRAY TraceId: 1-66d978e5-56c7378e556e94b5461da07c SegmentId: 29c3839e6ecb5895 Sampled: true';
const TEXT_INIT_START =
  'INIT_START Runtime Version: nodejs:20.v51\tRuntime Version ARN: arn:aws:lambda:us-east-1::runtime:cb6527bfb6726a080a367eca00e49765ca5abd8cd1a17783fbee683313121ece';
const TEXT_INIT_START_22 =
  'INIT_START Runtime Version: nodejs:22.v78 Runtime Version ARN: arn:aws:lambda:us-east-1::runtime:ab6b11703de54c7e23d588024a17ddfc191cdfd59fda97876f938c3c51e3eaa5';
const JSON_COLD =
  '{"time":"2026-10-08T07:30:29.470Z","type":"platform.report","record":{"requestId":"79b5e81f-9cdd-4145-b1f6-7c50ef8a2a36","metrics":{"durationMs":1233.96,"billedDurationMs":1698,"memorySizeMB":256,"maxMemoryUsedMB":123,"initDurationMs":463.512},"status":"success"}}';
const JSON_WARM =
  '{"time":"2026-08-09T08:37:29.613Z","type":"platform.report","record":{"requestId":"8f1c","status":"success","metrics":{"durationMs":98.5,"billedDurationMs":99,"memorySizeMB":128,"maxMemoryUsedMB":47}}}';
const JSON_INIT_START =
  '{"time":"2026-10-08T07:30:27.768Z","type":"platform.initStart","record":{"initializationType":"on-demand","phase":"init","runtimeVersion":"nodejs:22.mainline.v122","runtimeVersionArn":"arn:aws:lambda:eu-central-1::runtime:775dab0d220a0b97f3ec34fe1692d7a07b5d13049153b00f03204c9543bd69e4","functionName":"tenner-notifier","functionVersion":"$LATEST"}}';
/**
 * The init line of toolgate's own functions (packages/functions/src/init-check.ts through the tier's Powertools
 * logger), as printed by Node 24.22.3 with the bench's compile cache: flags as the exec wrapper leaves them (a
 * match), Lambda's own flags with one changed (a mismatch: Node had no cache for that flag set). `--import tsx` is
 * how they were produced from the sources; a deployed bundle has no loader.
 */
const INIT_MATCH =
  '{"level":"INFO","message":"cold start levers","timestamp":"2026-12-05T01:32:14.577Z","service":"toolgate","sampling_rate":0,"tier":"api","init":{"node":"v24.22.3","arch":"x64","execArgv":["--max-http-header-size","81920","--max-semi-space-size=51","--max-old-space-size=922","--import","tsx"],"compileCache":"match","compileCacheBuiltFor":["v22.23.5-x64-0c8c8ea3-0","v22.23.5-x64-a6b21d74-0","v24.22.3-x64-1c717fce-0","v24.22.3-x64-964aae3f-0"]}}';
const INIT_MISMATCH =
  '{"level":"INFO","message":"cold start levers","timestamp":"2026-12-05T01:32:17.917Z","service":"toolgate","sampling_rate":0,"tier":"api","init":{"node":"v24.22.3","arch":"x64","execArgv":["--expose-gc","--stack-size=900","--import","tsx"],"compileCache":"mismatch","compileCacheBuiltFor":["v22.23.5-x64-0c8c8ea3-0","v22.23.5-x64-a6b21d74-0","v24.22.3-x64-1c717fce-0","v24.22.3-x64-964aae3f-0"]}}';
const APP_LOG =
  '{"level":"INFO","message":"REPORT RequestId: not a platform line","timestamp":"2026-10-08T07:30:29.000Z"}';

describe('REPORT lines', () => {
  it('read the init duration of a cold start, text and JSON', () => {
    expect(parseReport(TEXT_COLD)).toEqual({
      requestId: '2307132f-9014-403c-ba61-9b6c487af6f1',
      durationMs: 8.83,
      billedDurationMs: 9,
      memorySizeMb: 1024,
      maxMemoryUsedMb: 65,
      initDurationMs: 138.1,
    });
    expect(parseReport(JSON_COLD)).toMatchObject({ memorySizeMb: 256, initDurationMs: 463.512 });
  });

  it('have no init duration on a warm invocation', () => {
    for (const line of [TEXT_WARM, TEXT_WARM_NO_TRAILING_TAB, JSON_WARM]) {
      const report = parseReport(line);
      expect(report).not.toBeNull();
      expect(report?.initDurationMs).toBeUndefined();
    }
  });

  it('count a SnapStart restore apart from an init', () => {
    expect(parseReport(TEXT_RESTORE)).toMatchObject({ restoreDurationMs: 511.25 });
    expect(parseReport(TEXT_RESTORE)?.initDurationMs).toBeUndefined();
    expect(parseReport(TEXT_XRAY)).toMatchObject({ memorySizeMb: 2048, restoreDurationMs: 325.93 });
  });

  it('are not confused with INIT_START, the functions own logs or other JSON', () => {
    expect(parseReport(TEXT_INIT_START)).toBeNull();
    expect(parseReport(JSON_INIT_START)).toBeNull();
    expect(parseReport(APP_LOG)).toBeNull();
    expect(parseReport('{"type":"platform.report"')).toBeNull();
  });
});

describe('INIT_START lines', () => {
  it('name the runtime version, text and JSON', () => {
    expect(parseInitStart(TEXT_INIT_START)).toEqual({
      runtimeVersion: 'nodejs:20.v51',
      runtimeVersionArn:
        'arn:aws:lambda:us-east-1::runtime:cb6527bfb6726a080a367eca00e49765ca5abd8cd1a17783fbee683313121ece',
    });
    expect(parseInitStart(JSON_INIT_START)?.runtimeVersion).toBe('nodejs:22.mainline.v122');
    expect(parseInitStart('INIT_START Runtime Version: nodejs:24.v1')).toEqual({ runtimeVersion: 'nodejs:24.v1' });
    expect(parseInitStart(TEXT_COLD)).toBeNull();
  });

  it('give the Node major to compare with the deployed runtime', () => {
    expect(nodeMajorOf('nodejs:22.mainline.v122')).toBe(22);
    expect(nodeMajorOf('nodejs24.x')).toBe(24);
    expect(nodeMajorOf('python:3.12.v30')).toBeUndefined();
  });
});

describe('a tier summary', () => {
  const lines = [TEXT_INIT_START_22, TEXT_COLD, TEXT_WARM, JSON_INIT_START, JSON_COLD, JSON_WARM, APP_LOG];

  it('counts cold starts among invocations and keeps their init durations', () => {
    const tier = summarizeTier('api', 'toolgate-dev-api', lines);
    expect(tier).toMatchObject({ invocations: 4, initMs: [138.1, 463.512], restores: 0 });
    expect(tier.runtimeVersions.sort()).toEqual(['nodejs:22.mainline.v122', 'nodejs:22.v78']);
  });

  it('prints median and p90 per tier, and checks the runtime against the deployed one', () => {
    const api = summarizeTier('api', 'toolgate-dev-api', lines);
    const report = formatColdStartReport({
      stage: 'dev',
      region: 'us-east-1',
      hours: 24,
      deployedRuntime: 'nodejs22.x',
      tiers: [api, { ...api, tier: 'public', error: 'no log group /aws/lambda/toolgate-dev-public' }],
    });
    expect(report).toMatch(/api\s+2\s+4\s+138 ms\s+464 ms/);
    expect(report).toContain('no log group /aws/lambda/toolgate-dev-public');
    expect(report).toContain('as infra deploys (nodejs22.x)');
    const old = summarizeTier('api', 'toolgate-dev-api', [TEXT_INIT_START, TEXT_COLD]);
    expect(
      formatColdStartReport({ stage: 'dev', region: 'r', hours: 1, deployedRuntime: 'nodejs22.x', tiers: [old] }),
    ).toContain('MISMATCH, infra deploys nodejs22.x but instances started on api: nodejs:20.v51');
  });
});

describe('the init line (cold-start levers)', () => {
  const levers = { compileCache: true, execWrapper: true };

  it('reads the Node release, flags and cache state an instance logged, and nothing from other lines', () => {
    expect(parseInitCheck(INIT_MATCH)).toMatchObject({ node: 'v24.22.3', arch: 'x64', compileCache: 'match' });
    expect(parseInitCheck(INIT_MISMATCH)?.execArgv).toContain('--expose-gc');
    for (const other of [JSON_COLD, JSON_INIT_START, TEXT_COLD, APP_LOG, '{"message":"cold start levers"}', '{']) {
      expect(parseInitCheck(other)).toBeNull();
    }
  });

  it('says the cache and the wrapper are in use only where every instance says so', () => {
    const ok = summarizeTier('api', 'toolgate-dev-api', [JSON_INIT_START, INIT_MATCH, JSON_COLD]);
    expect(ok.initChecks).toHaveLength(1);
    expect(leverCheck(ok, levers)).toBe(
      'api: compile cache used by 1/1 instances; exec wrapper ran in 1/1 (Node v24.22.3 x64)',
    );
    const mixed = summarizeTier('api', 'toolgate-dev-api', [INIT_MATCH, INIT_MISMATCH, JSON_COLD, TEXT_COLD]);
    const line = leverCheck(mixed, levers);
    expect(line).toContain('compile cache MISMATCH in 1/2 instances (built for v22.23.5-x64-0c8c8ea3-0');
    expect(line).toContain('exec wrapper NOT applied in 1/2');
  });

  it('cannot verify cold starts that logged no init line, and says so in the report', () => {
    const silent = summarizeTier('api', 'toolgate-dev-api', [JSON_INIT_START, JSON_COLD]);
    expect(leverCheck(silent, levers)).toMatch(/^api: NOT VERIFIED, 1 cold starts but no "cold start levers" line/);
    expect(leverCheck(silent, { compileCache: false, execWrapper: false })).toBe('api: levers off for this stage');
    const report = formatColdStartReport({
      stage: 'dev',
      region: 'us-east-1',
      hours: 24,
      deployedRuntime: 'nodejs24.x',
      levers,
      tiers: [silent],
    });
    expect(report).toContain('Cold-start levers');
    expect(report).toContain('api: NOT VERIFIED');
  });
});
