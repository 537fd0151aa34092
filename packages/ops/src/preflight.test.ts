import {
  type GetAWSDefaultServiceQuotaCommand,
  GetServiceQuotaCommand,
  NoSuchResourceException,
  type ServiceQuotasClient,
} from '@aws-sdk/client-service-quotas';
import { DEFAULT_CONCURRENCY_BUDGET } from '@toolgate/core/concurrency';
import { gatewayRateDemand } from '@toolgate/core/deploy/gateway';
import { resolveStage } from '@toolgate/core/deploy/stages';
import { describe, expect, it } from 'vitest';
import { formatReport, type PreflightFacts, parseSecretNames, preflight } from './preflight';
import { readGatewayThrottleQuota } from './preflight-aws';
import { checkTeardownBackup, TEARDOWN_BACKUP_MAX_AGE_HOURS } from './preflight-teardown';

const ALL_SECRETS = new Set(['StripeWebhookSecret', 'CursorSigningKey']);

function facts(overrides: Partial<PreflightFacts> = {}): PreflightFacts {
  return {
    stage: 'dev',
    region: 'us-east-1',
    settings: resolveStage('dev'),
    account: { limit: 1000, unreserved: 1000 },
    ownReserved: 0,
    secrets: ALL_SECRETS,
    gatewayQuota: 10_000,
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

describe('preflight: API Gateway throttle quota', () => {
  const demand = gatewayRateDemand(resolveStage('dev').throttling);

  it("passes when the routes' throttles add up to less than the account's quota, and says how much is left", () => {
    const result = preflight(facts());
    expect(result.ok).toBe(true);
    expect(result.findings[1]).toMatchObject({
      level: 'ok',
      title: `Route throttles fit the account's API Gateway quota (${demand} of 10000 rps)`,
    });
  });

  it('fails in a Region whose quota is 2,500 rps and names the setting and the quota code', () => {
    const input = facts({ gatewayQuota: 2500 });
    expect(preflight(input).ok).toBe(false);
    const text = report(input);
    expect(text).toContain(`add up to ${demand} rps, above the account's API Gateway quota of 2500 rps`);
    expect(text).toContain('packages/core/src/deploy/stages.ts');
    expect(text).toContain('Throttle rate (L-8A5B8E43)');
  });

  it('fails clearly when the quota cannot be read', () => {
    const text = report(facts({ gatewayQuota: new Error('AccessDeniedException') }));
    expect(text).toContain('Could not read the API Gateway throttle quota');
    expect(text).toContain('apigateway, L-8A5B8E43');
  });

  it('reads the applied quota, or the AWS default when the account never changed it', async () => {
    const sent: string[] = [];
    const client = (applied: number | null) =>
      ({
        send: async (command: unknown) => {
          sent.push(command instanceof GetServiceQuotaCommand ? 'applied' : 'default');
          const input = (command as GetServiceQuotaCommand | GetAWSDefaultServiceQuotaCommand).input;
          expect(input).toEqual({ ServiceCode: 'apigateway', QuotaCode: 'L-8A5B8E43' });
          if (command instanceof GetServiceQuotaCommand && applied === null) {
            throw new NoSuchResourceException({ message: 'no applied quota', $metadata: {} });
          }
          return { Quota: { Value: command instanceof GetServiceQuotaCommand ? applied : 10_000 } };
        },
      }) as unknown as ServiceQuotasClient;
    expect(await readGatewayThrottleQuota(client(20_000))).toBe(20_000);
    expect(await readGatewayThrottleQuota(client(null))).toBe(10_000);
    expect(sent).toEqual(['applied', 'applied', 'default']);
  });
});

describe('preflight --teardown', () => {
  const now = new Date();
  const hoursAgo = (hours: number) => new Date(now.getTime() - hours * 3_600_000);
  const arn = 'arn:aws:dynamodb:us-east-1:123456789012:table/toolgate-production/backup/01733300000000-abcd1234';
  const backup = { arn, tableName: 'toolgate-production', status: 'AVAILABLE', type: 'USER', createdAt: hoursAgo(1) };
  const production = resolveStage('production');

  it('passes an AVAILABLE on-demand backup of the stage table and prints the remove command with it', () => {
    const finding = checkTeardownBackup('production', production, backup, now);
    expect(finding.level).toBe('ok');
    expect(finding.detail.join('\n')).toContain(`TOOLGATE_TEARDOWN_BACKUP=${arn} pnpm sst remove --stage production`);
  });

  it.each([
    [{ tableName: 'toolgate-dev' }, 'not of toolgate-production'],
    [{ type: 'SYSTEM' }, 'not an on-demand (USER) one'],
    [{ status: 'CREATING' }, 'not AVAILABLE yet'],
    [{ createdAt: hoursAgo(TEARDOWN_BACKUP_MAX_AGE_HOURS + 2) }, 'hours old'],
  ])('fails a backup that cannot stand for the table (%j)', (change, reason) => {
    const finding = checkTeardownBackup('production', production, { ...backup, ...change }, now);
    expect(finding.level).toBe('fail');
    expect(finding.detail.join('\n')).toContain(reason);
  });

  it('fails without a backup and says how to take one; a stage that keeps nothing needs none', () => {
    const missing = checkTeardownBackup('production', production, null, now);
    expect(missing.level).toBe('fail');
    expect(missing.detail.join('\n')).toContain('aws dynamodb create-backup --table-name toolgate-production');
    expect(checkTeardownBackup('dev', resolveStage('dev'), null, now).level).toBe('ok');
  });
});

describe('preflight: secrets', () => {
  it('fails on a missing secret and prints the command that sets it', () => {
    const input = facts({ secrets: new Set() });
    const result = preflight(input);
    expect(result.ok).toBe(false);
    expect(result.findings).toContainEqual(
      expect.objectContaining({ level: 'fail', title: 'Missing secrets: StripeWebhookSecret, CursorSigningKey' }),
    );
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
