import { createDocumentClient } from '@toolgate/core/data/dynamo';
import { type Plan, PlanSchema } from '@toolgate/core/plans';
import { ALL_SCOPES } from '@toolgate/core/scopes';
import { createUsersRepository } from '@toolgate/core/users/aws/repository';
import { findDevRuntime, NoDevRuntimeError } from '../dev-state';
import {
  createTokenMinter,
  DEFAULT_TOKEN_LIFETIME_SECONDS,
  DEV_CLIENTS,
  type DevClient,
  loadOrCreateSigningKey,
} from '../issuer';
import { LOCAL_CREDENTIALS } from '../local-env';
import { keysDirIn, localStateDir } from '../paths';

export interface TokenCommandOptions {
  sub: string;
  scopes: readonly string[];
  client: DevClient;
  expiresInSeconds: number;
  plan?: Plan;
  /** Which running `pnpm dev` records `--plan`, when several run. */
  port?: number;
}

export class UsageError extends Error {}

export function parseTokenOptions(values: {
  sub?: string;
  scope?: string;
  client?: string;
  expires?: string;
  plan?: string;
  port?: string;
}): TokenCommandOptions {
  const sub = values.sub ?? 'local-user';
  if (!/^[\w@.:-]{1,128}$/.test(sub)) throw new UsageError('--sub must be 1-128 letters, digits or _@.:-');
  const scopes = values.scope === undefined ? ALL_SCOPES : values.scope.split(/\s+/).filter(Boolean);
  // A token with a scope no route knows would only ever be refused: say so now, not as a puzzling 403 later.
  const unknown = scopes.filter((scope) => !(ALL_SCOPES as readonly string[]).includes(scope));
  if (unknown.length > 0 || scopes.length === 0) {
    throw new UsageError(
      `--scope: ${unknown.length ? `unknown scope ${unknown.join(', ')}` : 'no scope given'}; the scopes are ${ALL_SCOPES.join(' ')}`,
    );
  }
  const client = values.client ?? 'agent';
  if (!(client in DEV_CLIENTS)) throw new UsageError(`--client must be one of ${Object.keys(DEV_CLIENTS).join(', ')}`);
  const expiresInSeconds = values.expires === undefined ? DEFAULT_TOKEN_LIFETIME_SECONDS : Number(values.expires);
  if (!Number.isInteger(expiresInSeconds) || expiresInSeconds < 1)
    throw new UsageError('--expires must be a positive integer');
  let plan: Plan | undefined;
  if (values.plan !== undefined) {
    const parsed = PlanSchema.safeParse(values.plan);
    if (!parsed.success) throw new UsageError(`--plan must be one of ${PlanSchema.options.join(', ')}`);
    plan = parsed.data;
  }
  let port: number | undefined;
  if (values.port !== undefined) {
    port = Number(values.port);
    if (!Number.isInteger(port) || port < 1 || port > 65535) throw new UsageError('--port must be a port number');
  }
  return {
    sub,
    scopes,
    client: client as DevClient,
    expiresInSeconds,
    ...(plan ? { plan } : {}),
    ...(port ? { port } : {}),
  };
}

/** Records the plan in the running dev runtime's table, as a billing webhook would. */
async function recordPlan(sub: string, plan: Plan, stateDir: string, port: number | undefined): Promise<void> {
  const state = await findDevRuntime(stateDir, port).catch((error: unknown) => {
    if (error instanceof NoDevRuntimeError) {
      throw new NoDevRuntimeError(`--plan records the plan in the running runtime's table, but ${error.message}`);
    }
    throw error;
  });
  const doc = createDocumentClient({
    region: state.region,
    endpoint: state.endpoints.dynamodb,
    credentials: LOCAL_CREDENTIALS,
  });
  try {
    await createUsersRepository(doc, state.tableName).setPlan(sub, plan);
  } finally {
    doc.destroy();
  }
}

/** `pnpm token`: the access token alone on stdout, so that `TOKEN=$(pnpm -s token)` works. */
export async function runToken(options: TokenCommandOptions): Promise<string> {
  const stateDir = localStateDir();
  if (options.plan) {
    await recordPlan(options.sub, options.plan, stateDir, options.port);
    process.stderr.write(`plan ${options.plan} recorded for ${options.sub}\n`);
  }
  const key = await loadOrCreateSigningKey(keysDirIn(stateDir));
  return createTokenMinter(key).mintAccessToken({
    sub: options.sub,
    scopes: options.scopes,
    clientId: DEV_CLIENTS[options.client],
    expiresInSeconds: options.expiresInSeconds,
  });
}
