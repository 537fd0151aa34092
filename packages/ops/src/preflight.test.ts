import { DEFAULT_CONCURRENCY_BUDGET } from '@toolgate/core/concurrency';
import { resolveStage } from '@toolgate/core/deploy/stages';
import { describe, expect, it } from 'vitest';
import { formatReport, type PreflightFacts, parseSecretNames, preflight } from './preflight';

const ALL_SECRETS = new Set(['StripeWebhookSecret', 'CursorSigningKey']);

function facts(overrides: Partial<PreflightFacts> = {}): PreflightFacts {
  return {
    stage: 'dev',
    region: 'us-east-1',
    settings: resolveStage('dev'),
    account: { limit: 1000, unreserved: 1000 },
    ownReserved: 0,
    secrets: ALL_SECRETS,
    ...overrides,
  };
}

const report = (input: PreflightFacts) => formatReport(input, preflight(input));

describe('preflight: concurrency', () => {
  it('passes an established account (limit 1000) with nothing else reserved', () => {
    const result = preflight(facts());
    expect(result.ok).toBe(true);
    expect(result.findings[0]).toMatchObject({ level: 'ok' });
    expect(result.findings[0]?.title).toContain('75 reserved, 925 of 1000 left unreserved');
  });

  it('fails a new account (limit 10) and names the per-stage override and the quota to raise', () => {
    const input = facts({ account: { limit: 10, unreserved: 10 } });
    const result = preflight(input);
    expect(result.ok).toBe(false);
    expect(result.findings[0]).toMatchObject({ level: 'fail' });
    const text = report(input);
    expect(text).toContain('quota 10, needs 175');
    expect(text).toContain(`reservedConcurrency: 'off'`);
    expect(text).toContain('packages/core/src/deploy/stages.ts');
    expect(text).toContain('TOOLGATE_RESERVED_CONCURRENCY=off pnpm sst deploy --stage dev');
    expect(text).toContain('L-B99A9384');
  });

  it('lets a limit-10 account deploy once reserved concurrency is off, with a warning', () => {
    const input = facts({
      account: { limit: 10, unreserved: 10 },
      settings: resolveStage('dev', { TOOLGATE_RESERVED_CONCURRENCY: 'off' }),
    });
    const result = preflight(input);
    expect(result.ok).toBe(true);
    expect(result.findings[0]).toMatchObject({ level: 'warn' });
    expect(report(input)).toContain('share the account');
  });

  it('fails when other functions in the account already hold most of the quota', () => {
    const text = report(facts({ account: { limit: 1000, unreserved: 150 } }));
    expect(text).toContain('other functions in us-east-1 reserve 850');
    expect(text).toContain('would leave 75 unreserved');
  });

  it("counts the stage's own reservations as available on a redeploy", () => {
    // Already deployed: 75 of the 925 reserved are this stage's own, and they come back on update.
    const result = preflight(facts({ account: { limit: 1000, unreserved: 175 }, ownReserved: 75 }));
    expect(result.ok).toBe(true);
  });

  it('rejects a budget that gives the public tier as much as the api tier', () => {
    const settings = { ...resolveStage('dev'), reservedConcurrency: { ...DEFAULT_CONCURRENCY_BUDGET, public: 50 } };
    const text = report(facts({ settings }));
    expect(text).toContain('public tier must get less concurrency than the api tier');
  });

  it('fails clearly when the account settings cannot be read', () => {
    const text = report(facts({ account: new Error('The security token included in the request is invalid') }));
    expect(text).toContain('Could not read the Lambda concurrency quota');
    expect(text).toContain('AWS_PROFILE');
  });
});

describe('preflight: secrets', () => {
  it('fails on a missing secret and prints the command that sets it', () => {
    const input = facts({ secrets: new Set() });
    const result = preflight(input);
    expect(result.ok).toBe(false);
    expect(result.findings[1]).toMatchObject({
      level: 'fail',
      title: 'Missing secrets: StripeWebhookSecret, CursorSigningKey',
    });
    expect(report(input)).toContain('pnpm sst secret set StripeWebhookSecret <value> --stage dev');
    expect(report(input)).toContain('pnpm sst secret set CursorSigningKey <value> --stage dev');
  });

  it('requires the OpenAI key only on stages that use the openai provider', () => {
    const model = { provider: 'openai' as const, baseUrl: 'https://api.openai.com/v1', modelId: 'gpt-4.1-mini' };
    const settings = { ...resolveStage('dev'), model };
    expect(report(facts({ settings }))).toContain('Missing secret: OpenAiApiKey');
    expect(preflight(facts({ settings, secrets: new Set([...ALL_SECRETS, 'OpenAiApiKey']) })).ok).toBe(true);
  });

  it('fails when the secrets cannot be listed', () => {
    expect(report(facts({ secrets: new Error('no credentials') }))).toContain('sst secret list --stage dev` failed');
  });

  it('reads names (fallback and stage sections) from sst secret list output and drops the values', () => {
    const output = [
      '\u001b[37m# fallback\u001b[0m',
      '\u001b[1mOpenAiApiKey\u001b[0m=\u001b[2msk-live-123\u001b[0m',
      '# toolgate/dev',
      'StripeWebhookSecret=whsec_abc=def',
      'not a secret line',
    ].join('\n');
    const names = parseSecretNames(output);
    expect([...names].sort()).toEqual(['OpenAiApiKey', 'StripeWebhookSecret']);
    expect(JSON.stringify([...names])).not.toContain('whsec');
  });
});
