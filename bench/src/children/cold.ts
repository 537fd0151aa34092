import { pathToFileURL } from 'node:url';
import { type ColdInput, type ColdOutput, type Handler, input, lambdaContext, report } from './protocol';

/**
 * One cold start: a fresh Node process loads a bundle and answers one request, as a Lambda instance's first
 * invocation does. Times are read from the process's own clock (`performance.now()` counts from process start),
 * so they include Node's bootstrap, as the Lambda init phase does, and not the parent's spawn overhead.
 */
const bootMs = performance.now();
const { bundle, event, runtimeClient } = input<ColdInput>();
// Lambda's runtime client has `http` loaded (its Runtime API client) before it imports the handler: on Node 22 and
// 24 that brings undici in, which the handler then finds loaded. Counted in `loadedMs`, as it is in Lambda's init.
if (runtimeClient) await import('node:http');
const module = (await import(pathToFileURL(bundle).href)) as { handler: Handler };
const loadedMs = performance.now();
const result = await module.handler(event, lambdaContext);
const answeredMs = performance.now();

const output: ColdOutput = {
  bootMs,
  loadedMs,
  answeredMs,
  statusCode: result.statusCode ?? 0,
  maxRssKb: process.resourceUsage().maxRSS,
};
report(output);
// Do not wait for keep-alive sockets or SDK timers: the instance would be frozen here.
process.exit(0);
