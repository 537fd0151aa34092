import { describe, expect, it } from 'vitest';
import { parseArgs, stageArg, UsageError } from './args';
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
