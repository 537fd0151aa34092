/** Parses `--name value` and bare `--flag` arguments; anything else is a usage error. */
export function parseArgs(argv: readonly string[], flags: readonly string[] = []): Map<string, string | true> {
  const parsed = new Map<string, string | true>();
  for (let index = 0; index < argv.length; index++) {
    const arg = argv[index]!;
    if (!arg.startsWith('--')) throw new UsageError(`unexpected argument "${arg}"`);
    const [name, inline] = arg.slice(2).split('=', 2) as [string, string | undefined];
    if (flags.includes(name)) {
      parsed.set(name, true);
    } else if (inline !== undefined) {
      parsed.set(name, inline);
    } else {
      const value = argv[index + 1];
      if (value === undefined || value.startsWith('--')) throw new UsageError(`--${name} needs a value`);
      parsed.set(name, value);
      index++;
    }
  }
  return parsed;
}

export class UsageError extends Error {
  override name = 'UsageError';
}

export function stringArg(args: Map<string, string | true>, name: string): string | undefined {
  const value = args.get(name);
  if (value === true) throw new UsageError(`--${name} needs a value`);
  return value;
}

export function numberArg(args: Map<string, string | true>, name: string, fallback: number): number {
  const raw = stringArg(args, name);
  if (raw === undefined) return fallback;
  const value = Number(raw.replaceAll('_', ''));
  if (!Number.isFinite(value) || value < 0) throw new UsageError(`--${name} must be a non-negative number`);
  return value;
}

/** Stage names become resource names (`toolgate-<stage>-api`): letters, digits and dashes. */
export function stageArg(args: Map<string, string | true>): string {
  const stage = stringArg(args, 'stage');
  if (!stage) throw new UsageError('--stage <stage> is required');
  if (!/^[A-Za-z0-9][A-Za-z0-9-]*$/.test(stage)) throw new UsageError(`invalid stage name "${stage}"`);
  return stage;
}

/**
 * The ops commands run with your AWS credentials and region, like `sst deploy`. Without a region the SDK only says
 * "Region is missing"; this says what to set, and where to check the rest of the setup.
 */
export async function requireRegion(client: { config: { region: () => Promise<string> } }): Promise<string> {
  const region = await client.config.region().catch(() => undefined);
  if (!region) {
    throw new UsageError(
      'no AWS region configured: set AWS_REGION (or AWS_PROFILE naming a profile with a region); ' +
        '`pnpm preflight --stage <stage>` checks credentials, region and quotas before a deploy',
    );
  }
  return region;
}
