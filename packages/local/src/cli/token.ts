import { createDocumentClient } from '@toolgate/core/data/dynamo';
import { type Plan, PlanSchema } from '@toolgate/core/plans';
import { ALL_SCOPES } from '@toolgate/core/scopes';
import { createUsersRepository } from '@toolgate/core/users/repository';
import { runningDevState } from '../dev-state';
import {
  createTokenMinter,
  DEFAULT_TOKEN_LIFETIME_SECONDS,
  DEV_CLIENTS,
  type DevClient,
  loadOrCreateSigningKey,
} from '../issuer';
import { LOCAL_CREDENTIALS } from '../local-env';
import { devStatePathIn, keysDirIn, localStateDir } from '../paths';

export interface TokenCommandOptions {
  sub: string;
  scopes: readonly string[];
  client: DevClient;
  expiresInSeconds: number;
  plan?: Plan;
}

export class UsageError extends Error {}

export function parseTokenOptions(values: {
  sub?: string;
  scope?: string;
  client?: string;
  expires?: string;
  plan?: string;
}): TokenCommandOptions {
  const sub = values.sub ?? 'local-user';
  if (!/^[\w@.:-]{1,128}$/.test(sub)) throw new UsageError('--sub must be 1-128 letters, digits or _@.:-');
  const scopes = values.scope === undefined ? ALL_SCOPES : values.scope.split(/\s+/).filter(Boolean);
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
  return { sub, scopes, client: client as DevClient, expiresInSeconds, ...(plan ? { plan } : {}) };
}

export class NoDevRuntimeError extends Error {}

/** Records the plan in the running dev runtime's table, as a billing webhook would. */
async function recordPlan(sub: string, plan: Plan, stateDir: string): Promise<void> {
  const state = await runningDevState(devStatePathIn(stateDir));
  if (!state) {
    throw new NoDevRuntimeError(
      '--plan needs a running dev runtime (start `pnpm dev` first): the plan lives in its table',
    );
  }
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
    await recordPlan(options.sub, options.plan, stateDir);
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
