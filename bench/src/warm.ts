import { CHILD_ENV, type WarmInput, type WarmOutput } from './children/protocol';
import { resultOf, runNode } from './processes';
import { type Summary, summarize } from './stats';

export interface WarmSubject {
  name: string;
  bundle: string;
  event: unknown;
  expectStatus: number;
}

export interface WarmResult {
  name: string;
  iterations: number;
  /** Microseconds per invocation. */
  us: Summary;
  statusCodes: Record<string, number>;
}

export async function measureWarm(
  subject: WarmSubject,
  options: { env: Record<string, string>; childScript: string; iterations: number; warmup: number },
): Promise<WarmResult> {
  const input: WarmInput = {
    bundle: subject.bundle,
    event: subject.event,
    warmup: options.warmup,
    iterations: options.iterations,
  };
  const run = await runNode(options.childScript, {
    env: { ...options.env, [CHILD_ENV]: JSON.stringify(input) },
    timeoutMs: 120_000,
  });
  const output = resultOf<WarmOutput>(run, `warm run of ${subject.name}`);
  const unexpected = Object.keys(output.statusCodes).filter((code) => code !== String(subject.expectStatus));
  if (unexpected.length > 0) {
    throw new Error(
      `warm run of ${subject.name}: statuses ${JSON.stringify(output.statusCodes)}, expected ${subject.expectStatus}`,
    );
  }
  return {
    name: subject.name,
    iterations: output.samplesUs.length,
    us: summarize(output.samplesUs),
    statusCodes: output.statusCodes,
  };
}
