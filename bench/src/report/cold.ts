import type { ColdRun } from '../cold';
import { ALL_ROUTES_EAGER, LAZY_ROUTE, LAZY_ROUTE_PATH, LEVER_TIERS, LEVER_VARIANTS } from '../levers';
import { find, ms, table, times } from './format';

const median = (run: ColdRun, name: string) => find(run.results, name)?.firstResponse.median;

/** One table per runtime, ratios against the baselines of the same runtime's run. */
export function renderColdRuns(runs: readonly ColdRun[]): string[] {
  const out: string[] = [];
  for (const run of runs) {
    out.push(
      `**${run.label}** (${run.node}${run.lambda ? ": bootstrap flags, runtime client's `node:http`, Lambda's environment" : ''})`,
      '',
    );
    if (run.error) {
      out.push(`Not measured: ${run.error}`, '');
      continue;
    }
    const ratio = (value: number, baseline: string) => {
      const base = median(run, baseline);
      return base === undefined ? '-' : times(value, base);
    };
    out.push(
      table(
        ['subject', 'load med', 'first response med / p90', '× SDK floor', '× peer', '× peer-api', 'peak RSS'],
        run.results.map((result) => [
          result.name,
          ms(result.load.median),
          `${ms(result.firstResponse.median)} / ${ms(result.firstResponse.p90)}`,
          ratio(result.firstResponse.median, 'sdk-floor'),
          ratio(result.firstResponse.median, 'peer'),
          ratio(result.firstResponse.median, 'peer-api'),
          `${result.peakRssMiB.median.toFixed(0)} MiB`,
        ]),
      ),
      '',
    );
  }
  return out;
}

/**
 * The paired before/after of each lever: every variant of a tier against the same tier without levers, from the same
 * alternating run on the same runtime (`levers.ts`).
 */
export function renderLeverTable(runs: readonly ColdRun[]): string[] {
  const rows: string[][] = [];
  for (const run of runs) {
    if (!run.lambda || run.error) continue;
    for (const tier of LEVER_TIERS) {
      const before = median(run, `${tier} (no levers)`);
      if (before === undefined) continue;
      const cell = (name: string) => {
        const value = median(run, name);
        return value === undefined ? '-' : `${ms(value)} (${times(value, before)})`;
      };
      rows.push([
        run.node,
        tier,
        ms(before),
        ...LEVER_VARIANTS.filter((variant) => variant.suffix !== ' (no levers)').map((variant) =>
          cell(`${tier}${variant.suffix}`),
        ),
        // The lazy-routes lever is the api tier's code: its "before" is the same tier with every route eager.
        tier === 'api' ? cell(ALL_ROUTES_EAGER) : '-',
        cell(tier),
      ]);
    }
  }
  if (rows.length === 0) return [];
  const lazyCost = runs.flatMap((run) => {
    const lazy = run.lambda && !run.error ? median(run, LAZY_ROUTE) : undefined;
    const eager = run.lambda && !run.error ? median(run, `${ALL_ROUTES_EAGER} ${LAZY_ROUTE_PATH}`) : undefined;
    return lazy === undefined || eager === undefined
      ? []
      : [`${run.node}: ${ms(eager)} with every route eager, ${ms(lazy)} with lazy routes (${times(lazy, eager)})`];
  });
  return [
    table(
      [
        'Node',
        'tier',
        'no levers',
        'compile cache only',
        'exec wrapper only',
        'both, every route eager',
        'both + lazy routes (as deployed)',
      ],
      rows,
    ),
    '',
    ...(lazyCost.length > 0
      ? [
          `What lazy routes cost a route that is not eager, \`${LAZY_ROUTE_PATH}\` (its first response, both levers on): ${lazyCost.join('; ')}.`,
          '',
        ]
      : []),
  ];
}
