import type { Tier } from '@toolgate/core/concurrency';
import { describe, expect, it } from 'vitest';
import { BUNDLE_BUDGET_BYTES, evaluateBudgets, ON_DEMAND_ONLY } from '../bench/src/budgets';
import { type BundleResult, packageOf, ZOD_CLASSIC } from '../bench/src/bundles';

/**
 * The deterministic budgets CI enforces through `pnpm bench:bundles`, on made-up bundles: a package that must only
 * load on demand fails the check the moment it is in a tier's initial load, and so does a size over budget.
 */
const bundle = (name: Tier, initialPackages: string[], initialBytes = 1024): BundleResult =>
  ({ name, kind: 'tier', initialBytes, totalBytes: initialBytes, initialPackages }) as unknown as BundleResult;

const verdict = (bundles: BundleResult[], name: string) =>
  evaluateBudgets({ bundles }).find((candidate) => candidate.name === name);

describe('bench budgets', () => {
  it('pass when no on-demand-only package is in a cold start', () => {
    expect(
      verdict([bundle('api', ['zod', 'hono', '@aws-sdk/client-dynamodb'])], 'loaded on demand only: api'),
    ).toMatchObject({ pass: true, deterministic: true });
  });

  it('fail, naming it, when one is', () => {
    for (const [tier, packages] of Object.entries(ON_DEMAND_ONLY) as [Tier, readonly string[]][]) {
      const eager = packages[0] as string;
      const result = verdict([bundle(tier, ['hono', eager])], `loaded on demand only: ${tier}`);
      expect(result).toMatchObject({ pass: false, measured: `in the initial load: ${eager}` });
    }
  });

  it("count zod's classic API apart from the rest of zod, so that a tier loading it fails", () => {
    const zod = 'node_modules/.pnpm/zod@4.6.7/node_modules/zod/v4';
    expect(packageOf(`${zod}/classic/schemas.js`)).toBe(ZOD_CLASSIC);
    expect(packageOf(`${zod}/mini/schemas.js`)).toBe('zod');
    expect(packageOf(`${zod}/core/schemas.js`)).toBe('zod');
    for (const tier of Object.keys(BUNDLE_BUDGET_BYTES) as Tier[]) expect(ON_DEMAND_ONLY[tier]).toContain(ZOD_CLASSIC);
  });

  it('fail a tier over its size budget', () => {
    const over = BUNDLE_BUDGET_BYTES.api.initial + 1;
    expect(verdict([bundle('api', [], over)], 'bundle initial: api')?.pass).toBe(false);
    expect(verdict([bundle('api', [], 1024)], 'bundle initial: api')?.pass).toBe(true);
  });
});
