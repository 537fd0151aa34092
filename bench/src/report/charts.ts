import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { THROUGHPUT_BUDGETED } from '../budgets';
import type { FloodScenario } from '../flood';
import { ALL_ROUTES_EAGER, LEVER_TIERS, LEVER_VARIANTS } from '../levers';
import { find, times } from './format';
import type { BenchResults } from './results';
import { type BarChart, type BarGroup, renderBarChart } from './svg';

/** The chart files, relative to RESULTS.md (which links them), each drawn from the same run's results. */
export const CHART_FILES = {
  coldStart: 'charts/cold-start.svg',
  levers: 'charts/levers.svg',
  throughput: 'charts/throughput.svg',
  flood: 'charts/flood.svg',
} as const;
export type ChartName = keyof typeof CHART_FILES;

const COLD_SUBJECTS = ['floor', 'sdk-floor', 'peer', 'peer-api', 'public', 'api'] as const;
/** Whom each tier's cold-start budget compares it with. */
const PEER_OF: Record<string, string> = { public: 'peer', api: 'peer-api' };

export function buildCharts(results: BenchResults): Partial<Record<ChartName, BarChart>> {
  const charts: Partial<Record<ChartName, BarChart>> = {};
  const lambdaRuns = results.coldRuns.filter((run) => run.lambda && !run.error);
  const noise = `median of ${results.settings.coldRuns} alternating cold processes per subject, one run on a shared machine: compare within a group`;
  if (lambdaRuns.length > 0) {
    charts.coldStart = {
      title: 'Cold start to first response, Lambda-like Node (median)',
      unit: 'ms',
      groups: lambdaRuns.map((run) => ({
        label: run.label,
        bars: COLD_SUBJECTS.flatMap((name) => {
          const result = find(run.results, name);
          if (!result) return [];
          const peer = PEER_OF[name] ? find(run.results, PEER_OF[name] as string) : undefined;
          return [
            {
              label: name,
              value: result.firstResponse.median,
              accent: name in PEER_OF,
              ...(peer
                ? { note: `${times(result.firstResponse.median, peer.firstResponse.median)} ${peer.name}` }
                : {}),
            },
          ];
        }),
      })),
      caption: `${noise}. Orange: toolgate's tiers as deployed (compile cache + exec wrapper; api: + lazy routes).`,
    };
    const leverGroups: BarGroup[] = lambdaRuns.flatMap((run) =>
      LEVER_TIERS.flatMap((tier) => {
        const before = find(run.results, `${tier} (no levers)`)?.firstResponse.median;
        if (before === undefined) return [];
        // The api tier's lazy routes are code: their "before" is the tier with both levers and every route eager.
        const names = [
          ...LEVER_VARIANTS.map((variant) => `${tier}${variant.suffix}`),
          ...(tier === 'api' ? [ALL_ROUTES_EAGER] : []),
          tier,
        ];
        return [
          {
            label: `${tier}, ${run.node}`,
            bars: names.flatMap((name) => {
              const value = find(run.results, name)?.firstResponse.median;
              if (value === undefined) return [];
              return [
                {
                  label:
                    name === tier
                      ? tier === 'api'
                        ? 'both + lazy (as deployed)'
                        : 'both (as deployed)'
                      : name === ALL_ROUTES_EAGER
                        ? 'both, every route eager'
                        : name.slice(tier.length + 2, -1),
                  value,
                  accent: name === tier,
                  note: times(value, before),
                },
              ];
            }),
          },
        ];
      }),
    );
    if (leverGroups.length > 0) {
      charts.levers = {
        title: 'Cold-start levers: paired before/after (median first response)',
        unit: 'ms',
        groups: leverGroups,
        caption: `${noise}; ratios against the same tier without levers.`,
      };
    }
  }
  if (results.load.length > 0) {
    const bare = find(results.load, THROUGHPUT_BUDGETED.baseline);
    charts.throughput = {
      title: 'Throughput over loopback, 10 connections',
      unit: 'req/s',
      groups: [
        {
          label: 'requests per second (autocannon)',
          bars: results.load.map((load) => ({
            label: load.name.replace('bare node-server', 'bare').replace('gateway ', ''),
            value: load.requestsPerSecond,
            accent: load.name === THROUGHPUT_BUDGETED.subject,
            ...(bare ? { note: times(load.requestsPerSecond, bare.requestsPerSecond) } : {}),
          })),
        },
      ],
      caption: 'Ratios against the bare node-server making the same DynamoDB read; the emulator bounds both.',
    };
  }
  const flood = results.flood;
  if (flood) {
    const scenario = (label: string, s: FloodScenario): BarGroup => ({
      label,
      bars: [
        { label: `${flood.plan.authPath} p99, no flood`, value: s.baseline.p99Ms },
        {
          label: `${flood.plan.authPath} p99, flooded`,
          value: s.flooded.p99Ms,
          accent: true,
          note: `${s.baseline.failures + s.flooded.failures} failed of ${s.baseline.sent + s.flooded.sent}`,
        },
        { label: 'flood p99', value: s.flood.p99Ms, note: `${s.flood.sent} sent` },
      ],
    });
    charts.flood = {
      title: `Public flood (${flood.plan.floodRatePerSecond} req/s) vs authenticated ${flood.plan.authPath}`,
      unit: 'ms',
      groups: [
        scenario('(a) reserved concurrency per tier, as deployed', flood.isolated),
        scenario(`(b) one shared pool of ${flood.sharedPool}`, flood.shared),
      ],
      caption: `pnpm demo:flood --seconds ${flood.plan.phaseMs / 1000}: local gateway, public executions held ${flood.publicExecutionMs} ms.`,
    };
  }
  return charts;
}

/** Writes each chart as an SVG file under `dir` (the folder of the RESULTS.md that links them). */
export async function writeCharts(results: BenchResults, dir: string): Promise<ChartName[]> {
  const charts = buildCharts(results);
  const written: ChartName[] = [];
  await mkdir(join(dir, 'charts'), { recursive: true });
  for (const [name, chart] of Object.entries(charts) as [ChartName, BarChart][]) {
    await writeFile(join(dir, CHART_FILES[name]), renderBarChart(chart));
    written.push(name);
  }
  return written;
}
