import { pathToFileURL } from 'node:url';
import { summarize } from '../stats';
import { type Handler, input, lambdaContext, report, type WarmInput, type WarmOutput } from './protocol';

/**
 * Warm overhead: one process, one bundle, many sequential invocations of the same request, each timed alone.
 * Each invocation gets its own request id (a copy of the event made outside the timed region).
 */
const { bundle, event, warmup, iterations } = input<WarmInput>();
const { handler } = (await import(pathToFileURL(bundle).href)) as { handler: Handler };
const base = event as { requestContext: Record<string, unknown> };
const events = Array.from({ length: warmup + iterations }, (_, index) => ({
  ...base,
  requestContext: { ...base.requestContext, requestId: `bench-${index}` },
}));

const statusCodes: Record<string, number> = {};
const samplesUs: number[] = [];
for (let index = 0; index < events.length; index++) {
  const started = process.hrtime.bigint();
  const result = await handler(events[index], lambdaContext);
  const elapsed = process.hrtime.bigint() - started;
  if (index < warmup) continue;
  samplesUs.push(Number(elapsed) / 1000);
  const code = String(result.statusCode ?? 0);
  statusCodes[code] = (statusCodes[code] ?? 0) + 1;
}

const output: WarmOutput = { us: summarize(samplesUs), statusCodes };
report(output);
process.exit(0);
