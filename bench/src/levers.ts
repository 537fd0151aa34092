import { dirname } from 'node:path';
import type { Tier } from '@toolgate/core/concurrency';
import { TIER_RUNTIME } from '@toolgate/core/deploy/access';
import { type ColdStartLevers, functionNodeArgs } from '@toolgate/core/deploy/lambda-node';
import { DEFAULT_STAGE } from '@toolgate/core/deploy/stages';
import { buildCompileCache } from '@toolgate/ops/compile-cache';
import type { ColdSubject } from './cold';

/**
 * The cold-start levers of issue 22 (packages/core/src/deploy/lambda-node.ts), measured the way they deploy: the
 * tiers `api` and `public` start with the levers every stage deploys with (`DEFAULT_STAGE.coldStart`), and the
 * variants below run alongside them, in the same alternating run, for the paired before/after. The flagless host
 * row gets no variants (Node 20 has no compile cache, and Lambda's flags are what the wrapper changes).
 */
export const DEPLOYED_LEVERS: ColdStartLevers = {
  compileCache: DEFAULT_STAGE.coldStart.compileCache,
  execWrapper: DEFAULT_STAGE.coldStart.execWrapper,
};

export const LEVER_VARIANTS: readonly { suffix: string; levers: ColdStartLevers }[] = [
  { suffix: ' (no levers)', levers: { compileCache: false, execWrapper: false } },
  { suffix: ' (cache only)', levers: { compileCache: true, execWrapper: false } },
  { suffix: ' (wrapper only)', levers: { compileCache: false, execWrapper: true } },
];

/**
 * The lazy-routes lever's paired "before" (`bench/src/fixtures/api-all-routes.ts`): the api tier with the deployed
 * levers and every route built at init. The lever is in the code, not in the stage: no variant toggles it, this
 * subject stands for the code without it.
 */
export const ALL_ROUTES_EAGER = 'api (all routes eager)';

/** A route the lever does not make eager, measured with and without the lever: what it costs the rest of the tier. */
export const LAZY_ROUTE_PATH = 'GET /tools';
export const LAZY_ROUTE = `api ${LAZY_ROUTE_PATH}`;

/** The tiers that get lever variants: the two the cold-start budgets are about. */
export const LEVER_TIERS: readonly Tier[] = ['api', 'public'];

/** `api`, `api (no levers)`, ... for the Lambda-like runtimes; the tiers alone for the host row. */
export function withLeverVariants(subjects: readonly ColdSubject[]): ColdSubject[] {
  return subjects.flatMap((subject) => {
    if (!(LEVER_TIERS as readonly string[]).includes(subject.name)) return [subject];
    return [
      { ...subject, levers: DEPLOYED_LEVERS },
      ...LEVER_VARIANTS.map(({ suffix, levers }) => ({ ...subject, name: `${subject.name}${suffix}`, levers })),
    ];
  });
}

/** The lever variant a subject name is, or `undefined` for a subject that is not one (`api` itself, a baseline). */
export function leverVariantOf(name: string): { tier: string; suffix: string } | undefined {
  for (const { suffix } of LEVER_VARIANTS) {
    if (name.endsWith(suffix)) return { tier: name.slice(0, -suffix.length), suffix };
  }
  return undefined;
}

/**
 * Builds each lever subject's compile cache in its bundle's folder, as infra's postbuild hook does for a deployment:
 * by the runtime's own Node binary, with the exact flags that subject starts with (one key folder per release and
 * flag set). On this machine the architecture is the bench's own, and the package is not moved afterwards, so Node
 * 22 (which has no portable mode) finds its cache too.
 */
export async function buildLeverCaches(
  subjects: readonly ColdSubject[],
  runtime: { binary: string; version: string },
): Promise<string[]> {
  const built: string[] = [];
  const done = new Set<string>();
  for (const subject of subjects) {
    if (!subject.levers?.compileCache) continue;
    const tier = subject.name.split(' ')[0] as Tier;
    const nodeArgs = functionNodeArgs(TIER_RUNTIME[tier].memoryMb, subject.levers);
    const key = `${subject.bundle} ${nodeArgs.join(' ')}`;
    if (done.has(key)) continue;
    done.add(key);
    const cache = await buildCompileCache(
      dirname(subject.bundle),
      subject.bundle.slice(dirname(subject.bundle).length + 1),
      { binary: runtime.binary, version: runtime.version, arch: process.arch, nodeArgs },
      { keepOthers: true },
    );
    built.push(`${subject.name}: ${cache.entries} modules in ${cache.key}`);
  }
  return built;
}
