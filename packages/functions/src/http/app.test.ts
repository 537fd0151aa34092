import { routes } from '@toolgate/core/manifest';
import { scope } from '@toolgate/core/scopes';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createTierLogger } from '../logging';
import { honoPath } from '../routes/path';
import { fakeVerifier } from '../testing/agent-app';
import { apiGatewayEvent, lambdaContext } from '../testing/events';
import { createTierApp } from './app';
import { lambdaHandler } from './lambda';

const callers = { 'erin.token.x': { sub: 'erin', scopes: [scope('profile')], clientId: 'c' } };

/** Every JSON line the tier's logger writes while `run` runs (Powertools writes to stdout, or console in dev mode). */
async function captureLogs(run: () => Promise<void>): Promise<Record<string, unknown>[]> {
  const lines: string[] = [];
  const keep = (chunk: unknown) => {
    lines.push(...String(chunk).split('\n').filter(Boolean));
    return true;
  };
  vi.spyOn(process.stdout, 'write').mockImplementation(keep);
  for (const method of ['log', 'info', 'warn', 'error', 'debug'] as const) {
    vi.spyOn(console, method).mockImplementation((...args: unknown[]) => void keep(args.join(' ')));
  }
  await run();
  vi.restoreAllMocks();
  return lines.flatMap((line) => {
    try {
      return [JSON.parse(line) as Record<string, unknown>];
    } catch {
      return [];
    }
  });
}

afterEach(() => {
  vi.restoreAllMocks();
  vi.unstubAllEnvs();
});

describe('per-request log context', () => {
  it('keeps each of two overlapping requests on its own ids, on every line (one shared app, interleaved)', async () => {
    vi.stubEnv('AWS_LAMBDA_INITIALIZATION_TYPE', 'on-demand'); // what Lambda sets (a logger reads it when made)
    const logger = createTierLogger('api');
    logger.setLogLevel('INFO'); // tests run with POWERTOOLS_LOG_LEVEL=SILENT
    const app = createTierApp('api', { logger, verifier: fakeVerifier(callers), stripeSignature: null });
    const gates = new Map<string, { promise: Promise<void>; resolve: () => void }>();
    app.get(honoPath(routes.me), async (c) => {
      const name = c.req.header('x-test-name') ?? '';
      c.get('logger').info('before the wait', { name });
      await gates.get(name)?.promise;
      c.get('logger').info('after the wait', { name });
      return c.json({ name });
    });
    const handler = lambdaHandler(app);
    const requests = ['first', 'second'].map((name) => {
      let resolve: () => void = () => undefined;
      const promise = new Promise<void>((done) => {
        resolve = done;
      });
      gates.set(name, { promise, resolve });
      const event = apiGatewayEvent('GET', '/me', {
        headers: { authorization: 'Bearer erin.token.x', 'x-test-name': name },
      });
      return { name, event, context: lambdaContext('toolgate-api') };
    });

    const logs = await captureLogs(async () => {
      // first starts, second starts, first finishes, second finishes: each one logs while the other is in flight.
      const [first, second] = requests.map((request) => handler(request.event, request.context));
      await new Promise((resolve) => setTimeout(resolve, 10));
      gates.get('first')?.resolve();
      await first;
      gates.get('second')?.resolve();
      await second;
    });

    for (const { name, event, context } of requests) {
      const requestId = (event.requestContext as { requestId: string }).requestId;
      const own = logs.filter((line) => line.requestId === requestId || line.name === name);
      expect(own.map((line) => line.message).sort(), name).toEqual(['after the wait', 'before the wait', 'request']);
      for (const line of own) {
        expect(line, `${name}: ${line.message}`).toMatchObject({
          requestId,
          correlation_id: requestId,
          function_request_id: context.awsRequestId,
          function_name: 'toolgate-api',
          function_memory_size: '1024',
          function_version: '$LATEST',
          // Cold once per instance: the first invocation only (a child logger is new, its own flag would say cold).
          cold_start: name === 'first',
          tier: 'api',
        });
      }
    }
  });
});
