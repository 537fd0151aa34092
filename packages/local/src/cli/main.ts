import { parseArgs } from 'node:util';
import { NoDevRuntimeError } from '../dev-state';
import { runDev } from './dev';
import { parseOrigins } from './origins';
import { parseTokenOptions, runToken, UsageError } from './token';

const USAGE = `usage:
  cli dev [--persist] [--port N] [--host H] [--allow-origin URL]... [--no-reload]
                                                the local runtime (port: --port, else PORT, else 3000; 0 = any);
                                                CORS origins beyond localhost:3000/5173 (or TOOLGATE_ALLOWED_ORIGINS=a,b);
                                                --no-reload: no hot reload of the handlers on source changes
  cli token [--sub ID] [--scope "a b"] [--plan free|pro] [--client agent|web] [--expires SECONDS] [--port N]
`;

function fail(message: string, code = 2): never {
  process.stderr.write(`${message}\n`);
  process.exit(code);
}

function portOf(flag: string | undefined, env: string | undefined): number {
  const raw = flag ?? env ?? '3000';
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`invalid port: ${raw}`);
  return port;
}

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  if (command === 'dev') {
    const { values } = parseArgs({
      args: rest,
      options: {
        persist: { type: 'boolean', default: false },
        port: { type: 'string' },
        host: { type: 'string' },
        'allow-origin': { type: 'string', multiple: true },
        reload: { type: 'boolean', default: true },
      },
      allowNegative: true,
      strict: true,
    });
    await runDev({
      persist: values.persist ?? false,
      reload: values.reload ?? true,
      port: portOf(values.port, process.env.PORT),
      ...(values.host ? { host: values.host } : {}),
      allowOrigins: parseOrigins([
        ...(values['allow-origin'] ?? []),
        ...(process.env.TOOLGATE_ALLOWED_ORIGINS ?? '').split(','),
      ]),
    });
    return;
  }
  if (command === 'token') {
    const { values } = parseArgs({
      args: rest,
      options: {
        sub: { type: 'string' },
        scope: { type: 'string' },
        plan: { type: 'string' },
        client: { type: 'string' },
        expires: { type: 'string' },
        port: { type: 'string' },
      },
      strict: true,
    });
    const token = await runToken(parseTokenOptions(values));
    process.stdout.write(`${token}\n`);
    return;
  }
  fail(USAGE);
}

main(process.argv.slice(2)).catch((error: unknown) => {
  if (error instanceof UsageError || (error instanceof TypeError && 'code' in error))
    fail(`${error.message}\n\n${USAGE}`);
  if (error instanceof NoDevRuntimeError) fail(error.message, 1);
  if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
    fail('toolgate dev: the port is already in use; pass --port N (or PORT=N), or --port 0 for any free port', 1);
  }
  fail(`toolgate: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`, 1);
});
