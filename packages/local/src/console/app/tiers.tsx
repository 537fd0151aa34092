import { consoleApi, usePoll } from './api';
import { Head } from './head';

type TierCounts = { inUse: number; reserved: number; requests: number; s429: number; s500: number; s503: number };
interface Sample {
  at: number;
  tiers: Record<string, TierCounts>;
}
interface FloodRun {
  status: 'running' | 'done' | 'failed';
  seconds: number;
  error?: string;
  result?: {
    public: { sent: number; statuses: Record<string, number> };
    authenticated: { sent: number; failures: number; failureKinds: Record<string, number>; p99Ms: number };
  };
}
interface Series {
  samples: Sample[];
  totals: Record<string, { requests: number; s429: number; s500: number; s503: number }>;
  flood: FloodRun | null;
}

const WIDTH = 600;
const HEIGHT = 120;
const SERIES: { key: keyof TierCounts; label: string; className: string }[] = [
  { key: 'requests', label: 'requests/s', className: 'requests' },
  { key: 's429', label: '429/s (throttled)', className: 's429' },
  { key: 's500', label: '500/s (reserved concurrency full)', className: 's500' },
  { key: 's503', label: '503/s (timeout)', className: 's503' },
];

function points(values: number[], max: number): string {
  const step = WIDTH / Math.max(1, values.length - 1);
  return values
    .map((value, index) => `${(index * step).toFixed(1)},${(HEIGHT - (value / max) * HEIGHT).toFixed(1)}`)
    .join(' ');
}

/** One tier: executions in use against its reserved concurrency, and answers per second. Plain SVG. */
function TierChart({ tier, samples }: { tier: string; samples: Sample[] }) {
  const rows = samples.map((sample) => sample.tiers[tier]).filter((row): row is TierCounts => row !== undefined);
  const last = rows.at(-1);
  const reserved = last?.reserved ?? 0;
  const rateMax = Math.max(1, ...rows.flatMap((row) => [row.requests, row.s429, row.s500, row.s503]));
  const useMax = Math.max(1, reserved, ...rows.map((row) => row.inUse));
  return (
    <div class="tier" data-tier={tier}>
      <h3>
        {tier}{' '}
        <span class="muted">
          concurrency {last?.inUse ?? 0} in use / {reserved} reserved
        </span>
      </h3>
      <svg viewBox={`0 0 ${WIDTH} ${HEIGHT * 2 + 10}`} role="img" aria-label={`${tier} tier`}>
        <g>
          <line
            class="reserved"
            x1={0}
            x2={WIDTH}
            y1={HEIGHT - (reserved / useMax) * HEIGHT}
            y2={HEIGHT - (reserved / useMax) * HEIGHT}
          />
          <polyline
            class="inuse"
            points={points(
              rows.map((row) => row.inUse),
              useMax,
            )}
          />
          <text x={4} y={12}>
            in use (max {useMax})
          </text>
        </g>
        <g transform={`translate(0 ${HEIGHT + 10})`}>
          {SERIES.map((series) => (
            <polyline
              key={series.key}
              class={series.className}
              points={points(
                rows.map((row) => row[series.key]),
                rateMax,
              )}
            />
          ))}
          <text x={4} y={12}>
            per second (max {rateMax})
          </text>
        </g>
      </svg>
    </div>
  );
}

export function TiersView() {
  const [series, error] = usePoll(() => consoleApi<Series>('/tiers'), 1000);
  const flood = series?.flood ?? null;
  const run = async () => {
    await consoleApi('/flood', { method: 'POST', body: {} }).catch(() => undefined);
  };
  const tiers = Object.keys(series?.totals ?? {});
  return (
    <section>
      <div class="toolbar">
        <button type="button" onClick={run} disabled={flood?.status === 'running'}>
          {flood?.status === 'running' ? 'Flooding…' : 'Run the flood demo'}
        </button>
        <span class="muted">
          floods public routes from many addresses while one signed-in client calls GET /me (pnpm demo:flood runs the
          full experiment)
        </span>
      </div>
      {flood?.result ? (
        <p class="flood" data-testid="flood-result">
          public: {flood.result.public.sent} sent, {JSON.stringify(flood.result.public.statuses)} · authenticated:{' '}
          {flood.result.authenticated.sent} sent, {flood.result.authenticated.failures} failed, p99{' '}
          {flood.result.authenticated.p99Ms} ms
        </p>
      ) : null}
      {flood?.error ? <p class="error">{flood.error}</p> : null}
      {error ? <p class="error">{error}</p> : null}
      <p class="legend">
        one point a second, the last 2 minutes: <span class="inuse">in use</span> <span class="reserved">reserved</span>
        {SERIES.map((s) => (
          <span key={s.key} class={s.className}>
            {s.label}
          </span>
        ))}
      </p>
      <div class="tiers">
        {tiers.map((tier) => (
          <TierChart key={tier} tier={tier} samples={series?.samples ?? []} />
        ))}
      </div>
      <table class="totals">
        <Head columns={['tier', 'requests', '429', '500 (concurrency)', '503']} />
        <tbody>
          {tiers.map((tier) => {
            const total = series?.totals[tier];
            return (
              <tr key={tier}>
                <td>{tier}</td>
                <td>{total?.requests}</td>
                <td>{total?.s429}</td>
                <td>{total?.s500}</td>
                <td>{total?.s503}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </section>
  );
}
