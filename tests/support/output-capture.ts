import { afterAll, beforeAll } from 'vitest';

/**
 * Captures everything the test file's process writes (stdout, stderr, console) from `beforeAll` to `afterAll`: the
 * handlers' JSON log lines included, for suites that read what was logged. Returns the live list of chunks.
 */
export function captureProcessOutput(): string[] {
  const captured: string[] = [];
  const originals = {
    stdout: process.stdout.write.bind(process.stdout),
    stderr: process.stderr.write.bind(process.stderr),
    console: { ...console },
  };
  const record = (chunk: unknown) => {
    captured.push(typeof chunk === 'string' ? chunk : Buffer.isBuffer(chunk) ? chunk.toString('utf8') : String(chunk));
    return true;
  };
  beforeAll(() => {
    process.stdout.write = record as typeof process.stdout.write;
    process.stderr.write = record as typeof process.stderr.write;
    for (const method of ['log', 'info', 'warn', 'error', 'debug', 'trace'] as const) {
      console[method] = (...args: unknown[]) =>
        record(args.map((arg) => (typeof arg === 'string' ? arg : JSON.stringify(arg))).join(' '));
    }
  });
  afterAll(() => {
    process.stdout.write = originals.stdout;
    process.stderr.write = originals.stderr;
    Object.assign(console, originals.console);
  });
  return captured;
}
