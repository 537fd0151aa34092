import { percentile } from '@toolgate/core/percentile';
import { CHILD_ENV, type WarmInput, type WarmOutput } from './children/protocol';
import { resultOf, runNode } from './processes';
import type { Summary } from './stats';

export interface WarmSubject {
  name: string;
  bundle: string;
  event: unknown;
  expectStatus: number;
}

export interface WarmResult {
  name: string;
  /** Invocations per process. */
  iterations: number;
  /** Each statistic is the median over the repeated processes (µs per invocation). */
  us: Summary;
  /** The p99 of each process, in the order they ran. */
  p99PerProcess: number[];
  statusCodes: Record<string, number>;
}

export interface WarmOptions {
  env: Record<string, string>;
  childScript: string;
  iterations: number;
  warmup: number;
  /** Processes per subject. Subjects take turns, so that a burst of load from elsewhere hits all of them. */
  repeats: number;
  onRun?: (subject: string, repeat: number) => void;
}

async function once(subject: WarmSubject, options: WarmOptions): Promise<WarmOutput> {
  const input: WarmInput = {
    bundle: subject.bundle,
    event: subject.event,
    warmup: options.warmup,
    iterations: options.iterations,
  };
  const run = await runNode(options.childScript, {
    env: { ...options.env, [CHILD_ENV]: JSON.stringify(input) },
    timeoutMs: 120_000,
    output: 'result-fd',
  });
  const output = resultOf<WarmOutput>(run, `warm run of ${subject.name}`);
  const unexpected = Object.keys(output.statusCodes).filter((code) => code !== String(subject.expectStatus));
  if (unexpected.length > 0) {
    throw new Error(
      `warm run of ${subject.name}: statuses ${JSON.stringify(output.statusCodes)}, expected ${subject.expectStatus}`,
    );
  }
  return output;
}

export async function measureWarm(subjects: readonly WarmSubject[], options: WarmOptions): Promise<WarmResult[]> {
  const outputs = new Map<string, WarmOutput[]>(subjects.map((subject) => [subject.name, []]));
  for (let repeat = 0; repeat < options.repeats; repeat++) {
    for (const subject of subjects) {
      options.onRun?.(subject.name, repeat);
      outputs.get(subject.name)?.push(await once(subject, options));
    }
  }
  return subjects.map((subject) => {
    const runs = outputs.get(subject.name) ?? [];
    const median = (pick: (summary: Summary) => number) =>
      percentile(
        runs.map((run) => pick(run.us)).sort((a, b) => a - b),
        50,
      );
    const statusCodes: Record<string, number> = {};
    for (const run of runs) {
      for (const [code, count] of Object.entries(run.statusCodes)) statusCodes[code] = (statusCodes[code] ?? 0) + count;
    }
    return {
      name: subject.name,
      iterations: options.iterations,
      us: {
        n: runs.reduce((sum, run) => sum + run.us.n, 0),
        median: median((us) => us.median),
        p90: median((us) => us.p90),
        p99: median((us) => us.p99),
        min: Math.min(...runs.map((run) => run.us.min)),
        max: Math.max(...runs.map((run) => run.us.max)),
        mean: median((us) => us.mean),
      },
      p99PerProcess: runs.map((run) => run.us.p99),
      statusCodes,
    };
  });
}
