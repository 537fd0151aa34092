import { describe, expect, it } from 'vitest';
import { parseArgs, requireRegion, stageArg, UsageError } from './args';
import { planSeed } from './seed';

describe('pnpm seed', () => {
  it("writes to the stage's fixed table name, or to --table", () => {
    expect(planSeed('dev')).toEqual({ stage: 'dev', table: 'toolgate-dev' });
    expect(planSeed('dev', { table: 'other' }).table).toBe('other');
  });

  it('refuses a protected stage unless told explicitly', () => {
    expect(() => planSeed('production')).toThrow(/protected/);
    expect(planSeed('production', { allowProtected: true }).table).toBe('toolgate-production');
  });

  it('parses its arguments strictly', () => {
    expect(stageArg(parseArgs(['--stage', 'pr-12']))).toBe('pr-12');
    expect(stageArg(parseArgs(['--stage=dev']))).toBe('dev');
    expect(() => stageArg(parseArgs([]))).toThrow(UsageError);
    expect(() => stageArg(parseArgs(['--stage', 'a b']))).toThrow(/invalid stage/);
    expect(() => parseArgs(['--stage'])).toThrow(/needs a value/);
    expect(() => parseArgs(['dev'])).toThrow(/unexpected argument/);
  });
});

describe('requireRegion', () => {
  it('names what to set instead of the SDK\'s bare "Region is missing"', async () => {
    const missing = { config: { region: () => Promise.reject(new Error('Region is missing')) } };
    await expect(requireRegion(missing)).rejects.toThrow(/no AWS region configured: set AWS_REGION.*pnpm preflight/);
    await expect(requireRegion({ config: { region: async () => 'eu-west-1' } })).resolves.toBe('eu-west-1');
  });
});
