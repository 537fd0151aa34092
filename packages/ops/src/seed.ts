import { isProtectedStage, tableName } from '@toolgate/core/deploy/stages';

/** Which table `pnpm seed` writes to, and whether it may: the demo catalog must not overwrite production data. */
export interface SeedPlan {
  table: string;
  stage: string;
}

export function planSeed(stage: string, options: { table?: string; allowProtected?: boolean } = {}): SeedPlan {
  if (isProtectedStage(stage) && !options.allowProtected) {
    throw new Error(
      `Stage "${stage}" is protected (production data). Seeding writes the demo catalog over products with the same ` +
        'ids; pass --allow-protected if that is really what you want.',
    );
  }
  return { stage, table: options.table ?? tableName(stage) };
}
