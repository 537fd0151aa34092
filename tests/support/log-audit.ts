import { afterAll } from 'vitest';

/**
 * `pnpm test:logs`: every end-to-end suite runs with DEBUG logs, and everything a test file's process writes to
 * stdout, stderr or the console is scanned for credential shapes. Patterns only (the suites mint their own tokens
 * and secrets); tests/log-hygiene.test.ts checks the exact values of one whole session in every `pnpm test`.
 * Loaded as a setup file by tests/vitest.config.ts when TOOLGATE_LOG_AUDIT=1.
 */
const LEAKS: [RegExp, string][] = [
  [/eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{16,}/, 'a signed JWT'],
  [/Bearer\s+[A-Za-z0-9._~+/-]{16,}/i, 'a bearer credential'],
  [/"authorization"\s*:\s*"/i, 'an Authorization header value'],
  [/X-Amz-Signature[=":\s]+[0-9a-f]{16,}/i, 'a presigned URL or POST signature'],
  [/whsec_[A-Za-z0-9_]{8,}/, 'a Stripe webhook secret'],
  [/v1=[0-9a-f]{64}/, 'a Stripe signature'],
];

const found: string[] = [];
const scan = (chunk: unknown) => {
  const text = typeof chunk === 'string' ? chunk : Buffer.isBuffer(chunk) ? chunk.toString('utf8') : '';
  for (const [pattern, what] of LEAKS) {
    const match = pattern.exec(text);
    if (match) found.push(`${what}: …${text.slice(Math.max(0, match.index - 60), match.index + 20)}…`);
  }
};

for (const stream of [process.stdout, process.stderr]) {
  const write = stream.write.bind(stream) as (...args: unknown[]) => boolean;
  stream.write = ((chunk: unknown, ...rest: unknown[]) => {
    scan(chunk);
    return write(chunk, ...rest);
  }) as typeof stream.write;
}
for (const method of ['log', 'info', 'warn', 'error', 'debug'] as const) {
  const original = console[method].bind(console);
  console[method] = (...args: unknown[]) => {
    for (const arg of args) scan(typeof arg === 'string' ? arg : JSON.stringify(arg));
    original(...args);
  };
}

afterAll(() => {
  if (found.length > 0) throw new Error(`credentials in the logs:\n${found.slice(0, 10).join('\n')}`);
});
