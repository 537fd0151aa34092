import { createRequire } from 'node:module';
import { runNode } from './processes';

export interface LoadTarget {
  name: string;
  url: string;
  headers?: Record<string, string>;
}

export interface LoadResult {
  name: string;
  durationS: number;
  connections: number;
  requestsPerSecond: number;
  /** Latency percentiles, ms. */
  p50Ms: number;
  p99Ms: number;
  total: number;
  /** Responses outside 2xx (a throttled or failing target would look fast; these must be 0). */
  non2xx: number;
  errors: number;
  /** Requests/s of each round, when the target ran in several. */
  rounds?: number[];
}

interface AutocannonJson {
  requests: { average: number; total: number };
  latency: { p50: number; p99: number };
  non2xx: number;
  errors: number;
  timeouts: number;
  duration: number;
}

const autocannonCli = createRequire(import.meta.url).resolve('autocannon');

/**
 * autocannon in its own process (it would otherwise share the event loop, and a core, with the server it loads).
 * Connections are few and fixed: the point is the server's cost per request, not its breaking point.
 */
export async function runLoad(
  target: LoadTarget,
  options: { durationS: number; connections: number; env: Record<string, string> },
): Promise<LoadResult> {
  const headerArgs = Object.entries(target.headers ?? {}).flatMap(([name, value]) => ['-H', `${name}=${value}`]);
  const run = await runNode(autocannonCli, {
    args: ['-j', '-n', '-c', String(options.connections), '-d', String(options.durationS), ...headerArgs, target.url],
    env: options.env,
    timeoutMs: (options.durationS + 30) * 1000,
    output: 'stdout',
  });
  const start = run.stdout.indexOf('{');
  if (run.code !== 0 || start < 0) throw new Error(`autocannon ${target.name} failed (${run.code}): ${run.stderr}`);
  const json = JSON.parse(run.stdout.slice(start)) as AutocannonJson;
  return {
    name: target.name,
    durationS: options.durationS,
    connections: options.connections,
    requestsPerSecond: Math.round(json.requests.total / json.duration),
    p50Ms: json.latency.p50,
    p99Ms: json.latency.p99,
    total: json.requests.total,
    non2xx: json.non2xx,
    errors: json.errors + json.timeouts,
  };
}
