import type { ColdStartLevers } from '@toolgate/core/deploy/lambda-node';
import type { ColdInput, ColdOutput } from './children/protocol';
import { CHILD_ENV } from './children/protocol';
import { resultOf, runNode } from './processes';
import { type Summary, summarize } from './stats';

export interface ColdSubject {
  name: string;
  bundle: string;
  event: unknown;
  expectStatus: number;
  /** Node options for this subject (Lambda's bootstrap passes them on the command line). */
  nodeArgs?: string[];
  /** Variables added to (and overriding) `ColdOptions.env` for this subject: e.g. its function's Lambda variables. */
  env?: Record<string, string>;
  /** Load `node:http` before the bundle, as Lambda's runtime client does. */
  runtimeClient?: boolean;
  /** The cold-start levers it deploys with (Lambda-like runtimes only; `levers.ts`). */
  levers?: ColdStartLevers;
}

export interface ColdResult {
  name: string;
  runs: number;
  /** Process start to bundle evaluated (Node bootstrap + import + module-scope init), ms. */
  load: Summary;
  /** Process start to the first response returned by the handler, ms. */
  firstResponse: Summary;
  /** First response minus load: the first request's own work (JWKS fetch, first SDK call, lazy init), ms. */
  firstRequest: Summary;
  /** Peak RSS of the process, MiB. */
  peakRssMiB: Summary;
  samples: ColdOutput[];
}

export interface ColdOptions {
  /** The Node binary of every process (default: the bench's `--node`, else its own). */
  node?: string;
  runs: number;
  env: Record<string, string>;
  childScript: string;
  /** Called after each process, for progress output. */
  onRun?: (done: number, total: number) => void;
}

/**
 * Fresh processes, one request each. Subjects take turns (round-robin, rotated each round) so that a noisy moment
 * on this shared machine lands on every subject alike instead of on whichever ran last.
 */
export async function measureColdStarts(subjects: ColdSubject[], options: ColdOptions): Promise<ColdResult[]> {
  const samples = new Map<string, ColdOutput[]>(subjects.map((subject) => [subject.name, []]));
  const once = async (subject: ColdSubject) => {
    const input: ColdInput = {
      bundle: subject.bundle,
      event: subject.event,
      ...(subject.runtimeClient ? { runtimeClient: true } : {}),
    };
    const run = await runNode(options.childScript, {
      ...(options.node ? { node: options.node } : {}),
      ...(subject.nodeArgs ? { nodeArgs: subject.nodeArgs } : {}),
      env: { ...options.env, ...subject.env, [CHILD_ENV]: JSON.stringify(input) },
      timeoutMs: 30_000,
      output: 'result-fd',
    });
    const output = resultOf<ColdOutput>(run, `cold start of ${subject.name}`);
    if (output.statusCode !== subject.expectStatus) {
      throw new Error(`cold start of ${subject.name}: status ${output.statusCode}, expected ${subject.expectStatus}`);
    }
    return output;
  };

  // One untimed round: the bundles' pages enter the OS file cache, as a Lambda's code is local to its sandbox.
  for (const subject of subjects) await once(subject);

  const total = subjects.length * options.runs;
  let done = 0;
  for (let round = 0; round < options.runs; round++) {
    for (let turn = 0; turn < subjects.length; turn++) {
      const subject = subjects[(round + turn) % subjects.length] as ColdSubject;
      samples.get(subject.name)?.push(await once(subject));
      options.onRun?.(++done, total);
    }
  }

  return subjects.map((subject) => {
    const runs = samples.get(subject.name) ?? [];
    return {
      name: subject.name,
      runs: runs.length,
      load: summarize(runs.map((run) => run.loadedMs)),
      firstResponse: summarize(runs.map((run) => run.answeredMs)),
      firstRequest: summarize(runs.map((run) => run.answeredMs - run.loadedMs)),
      peakRssMiB: summarize(runs.map((run) => run.maxRssKb / 1024)),
      samples: runs,
    };
  });
}

/**
 * One Node runtime's cold starts: every subject on one binary, taking turns, so that ratios between subjects come
 * from the same run. `error` (and no results) when the binary could not be had: reported, and a failed budget.
 */
export interface ColdRun {
  /** e.g. `node 22.23.5, Lambda flags` */
  label: string;
  /** The version the binary reported (`v22.23.5`), or the pinned one when it is unavailable. */
  node: string;
  /** Started as Lambda starts it (bootstrap flags, runtime client's http, Lambda's environment). */
  lambda: boolean;
  results: ColdResult[];
  error?: string;
}
