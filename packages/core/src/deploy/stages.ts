import type { AgentConfig } from '../agent/config';
import {
  type ConcurrencyBudget,
  DEFAULT_CONCURRENCY_BUDGET,
  DEFAULT_GATEWAY_THROTTLING,
  type GatewayThrottling,
} from '../concurrency';
import type { JobsConfig } from '../jobs/config';
import type { LimitsConfig } from '../limits/plans';
import type { Plan } from '../plans';
import type { UploadsConfig } from '../uploads/config';
import type { ColdStartLevers } from './lambda-node';

/**
 * What differs between deployed stages, as data: `infra/` builds from it and `pnpm preflight` checks it, so the
 * two always agree. A stage not listed in `STAGES` gets `DEFAULT_STAGE` (a personal or preview stage).
 */

/** Identity provider of a stage: the gateway JWT authorizer and the in-Lambda verifiers both use it. */
export type StageIdentity =
  | {
      /** A Cognito user pool created by infra, with the `toolgate` resource server and two app clients. */
      kind: 'cognito';
      /** Where managed login may send people back to (authorization code + PKCE). */
      callbackUrls: string[];
      logoutUrls: string[];
      /** Managed-login domain prefix; defaults to `toolgate-<stage>-<account id>` (prefixes are global). */
      domainPrefix?: string;
      /**
       * Cognito's own sender allows a few emails a day (sign-up codes, password resets): with self sign-up on, a
       * protected stage must send through Amazon SES instead (required there). See docs/deploy.md.
       */
      email?: CognitoEmail;
    }
  | {
      /** Any external OIDC issuer whose access tokens are JWTs with `aud` and a `scope` claim with toolgate scopes. */
      kind: 'oidc';
      issuer: string;
      audience: string[];
      jwksUri?: string;
    };

/** Cognito's sign-up and password-reset emails, sent through Amazon SES from your verified identity. */
export interface CognitoEmail {
  /** The sender: an address of `sesIdentity` (`no-reply@example.com`, or `Name <no-reply@example.com>`). */
  from: string;
  /** The SES identity (domain or address) verified in `sesRegion`, out of the SES sandbox. */
  sesIdentity: string;
  /** SES Region; Cognito accepts the pool's own Region or, in some Regions, a designated one. Default: the pool's. */
  sesRegion?: string;
  /** An SES configuration set (event publishing: bounces, complaints). */
  configurationSet?: string;
  replyTo?: string;
}

/** The model the chat loop and the workers use (packages/core/src/agent/config.ts reads it from Settings). */
export type StageModel =
  | { provider: 'bedrock'; modelId?: string; region?: string }
  /** Needs the `OpenAiApiKey` secret. */
  | { provider: 'openai'; baseUrl: string; modelId: string }
  /** The deterministic offline model: a first deploy that needs no model access at all. */
  | { provider: 'dev' };

export interface StageSettings {
  /**
   * A production stage: `sst remove` refuses to run (SST's `protect`), origins must be https, and Cognito must send
   * email through SES. Requires `retain`. Turning it off (to tear a stage down) changes nothing about the data.
   */
  protect: boolean;
  /**
   * Keep the data, whatever else happens to the stage: the table (deletion protection and point-in-time recovery on),
   * the uploads bucket with its objects (never force-emptied) and the Cognito user pool (deletion protection) are
   * retained when the stage is removed, and `sst remove` needs an on-demand backup of the table first
   * (`TEARDOWN_BACKUP_ENV`). docs/deploy.md lists exactly what survives.
   */
  retain: boolean;
  /**
   * Reserved concurrency per tier, or `'off'` for accounts whose concurrency quota cannot hold the budget (new
   * accounts start at 10). Off, the tiers share the account pool: the gateway throttles still apply, but a flood of
   * public traffic can take executions the api tier needs. `pnpm preflight` says when you need it.
   */
  reservedConcurrency: ConcurrencyBudget | 'off';
  throttling: GatewayThrottling;
  /** Browser origins allowed by CORS on the API and the uploads bucket. Exact origins only, never `*`. */
  allowedOrigins: string[];
  identity: StageIdentity;
  /**
   * A custom domain for the API. With only `name`, SST validates a certificate and creates the alias record in
   * the account's Route 53 hosted zone for it; with `certificateArn` (ACM, same region), you create the DNS record.
   */
  apiDomain?: { name: string; certificateArn?: string };
  model: StageModel;
  /**
   * Stripe price id → the plan a subscription to it grants (`{ price_1Abc: 'pro' }`): test-mode and live-mode
   * prices differ, so each stage lists its own. Prices not listed grant nothing (docs/billing.md).
   */
  stripePrices?: Record<string, Plan>;
  /** Overrides of the chat loop budget and of the per-plan and public rate limits; defaults live in core. */
  agent?: Partial<AgentConfig>;
  limits?: LimitsConfig;
  /** Upload limits (maximum size, presigned POST lifetime); defaults live in core (`uploads/config.ts`). */
  uploads?: Partial<UploadsConfig>;
  /** Job runs (budget, step cap, inline result size, retention); defaults live in core (`jobs/config.ts`). */
  jobs?: Partial<JobsConfig>;
  /**
   * Where the stage's alarms go (`infra/alarms.ts`): an email address is subscribed to the `Alerts` SNS topic (AWS
   * sends it a confirmation link first). Without one the alarms still fire and show in CloudWatch; subscribe any
   * other endpoint (chat, paging) to the topic yourself.
   */
  alertEmail?: string;
  /**
   * The cold-start levers (`ColdStartLevers` in lambda-node.ts, which writes down each one's risk) and how the
   * function's runtime is pinned. Lambda updates a managed runtime by itself unless told otherwise, and a compile cache
   * built for one Node release is silently ignored by the next: `runtimeVersionArn` pins the exact runtime version
   * (`runtimeManagementConfig.updateRuntimeOn: 'Manual'`; take the ARN from a function's INIT_START line, which
   * `pnpm coldstart:report` prints); without it the runtime changes only when the function is deployed
   * (`FunctionUpdate`), when the cache is rebuilt, and the init line then says whether it still matches.
   */
  coldStart: ColdStartLevers & { runtimeVersionArn?: string };
}

const LOCAL_ORIGINS = ['http://localhost:3000', 'http://localhost:5173'];

export const DEFAULT_STAGE: StageSettings = {
  protect: false,
  retain: false,
  reservedConcurrency: DEFAULT_CONCURRENCY_BUDGET,
  throttling: DEFAULT_GATEWAY_THROTTLING,
  allowedOrigins: LOCAL_ORIGINS,
  identity: {
    kind: 'cognito',
    callbackUrls: LOCAL_ORIGINS.map((origin) => `${origin}/auth/callback`),
    logoutUrls: LOCAL_ORIGINS,
  },
  model: { provider: 'bedrock' },
  stripePrices: {},
  // Both measured in bench/RESULTS.md ("Levers"), on Node 22 and 24.
  coldStart: { compileCache: true, execWrapper: true },
};

/**
 * Per-stage overrides. Edit these for your fork: replace `app.example.com` with your front end's origin, or
 * switch production to your own OIDC issuer with `identity: { kind: 'oidc', issuer, audience: [...] }`.
 */
export const STAGES: Record<string, Partial<StageSettings>> = {
  production: {
    protect: true,
    retain: true,
    allowedOrigins: ['https://app.example.com'],
    identity: {
      kind: 'cognito',
      callbackUrls: ['https://app.example.com/auth/callback'],
      logoutUrls: ['https://app.example.com'],
      // Verify this identity in SES (and leave the SES sandbox) before the first deploy: docs/deploy.md.
      email: { from: 'toolgate <no-reply@app.example.com>', sesIdentity: 'app.example.com' },
    },
  },
};

/** The SST app name: the prefix of every physical resource name. */
export const APP_NAME = 'toolgate';

/** Deploy-time environment switch for a small account: `TOOLGATE_RESERVED_CONCURRENCY=off sst deploy ...`. */
export const RESERVED_CONCURRENCY_ENV = 'TOOLGATE_RESERVED_CONCURRENCY';

/** Where the per-stage table lives, for messages that tell people what to edit. */
export const STAGES_FILE = 'packages/core/src/deploy/stages.ts';

export function isProtectedStage(stage: string): boolean {
  return resolveStage(stage).protect;
}

/** Whether `sst remove` keeps the stage's data (SST's `removal: 'retain'`, plus the user pool: infra/auth.ts). */
export function retainsData(stage: string): boolean {
  return resolveStage(stage).retain;
}

/** `sst remove` of a stage that retains data needs this set to an on-demand backup of its table (docs/deploy.md). */
export const TEARDOWN_BACKUP_ENV = 'TOOLGATE_TEARDOWN_BACKUP';

/**
 * What keeps `sst remove` from running on a stage that retains data: no on-demand backup of this stage's table named
 * in `TEARDOWN_BACKUP_ENV`. `pnpm preflight --teardown` checks that the backup exists and is AVAILABLE; this checks,
 * in `sst remove` itself, that one was named and belongs to this table. Empty when the removal may proceed.
 */
export function teardownProblems(stage: string, env: Record<string, string | undefined>): string[] {
  if (!resolveStage(stage, env).retain) return [];
  const backup = env[TEARDOWN_BACKUP_ENV]?.trim() ?? '';
  const table = tableName(stage);
  const pattern = new RegExp(
    `^arn:aws(-[a-z]+)*:dynamodb:[a-z0-9-]+:\\d{12}:table/${table.replace(/[-]/g, '\\-')}/backup/[0-9a-z-]+$`,
  );
  if (pattern.test(backup)) return [];
  return [
    `Stage ${stage} retains its data: removing it needs an on-demand backup of the table ${table} first.`,
    `  1. aws dynamodb create-backup --table-name ${table} --backup-name ${table}-teardown`,
    `  2. pnpm preflight --stage ${stage} --teardown --backup <BackupArn from step 1>   (waits for nothing: run it`,
    '     again until it says AVAILABLE)',
    `  3. ${TEARDOWN_BACKUP_ENV}=<BackupArn> pnpm sst remove --stage ${stage}`,
    backup ? `(${TEARDOWN_BACKUP_ENV}="${backup}" is not an on-demand backup ARN of ${table}.)` : '',
  ].filter(Boolean);
}

/** The settings a stage deploys with; throws on settings that must never deploy. */
export function resolveStage(stage: string, env: Record<string, string | undefined> = {}): StageSettings {
  const settings: StageSettings = { ...DEFAULT_STAGE, ...STAGES[stage] };
  const override = env[RESERVED_CONCURRENCY_ENV];
  if (override !== undefined && override !== '') {
    if (override !== 'off') throw new Error(`${RESERVED_CONCURRENCY_ENV} may only be "off" (got "${override}")`);
    settings.reservedConcurrency = 'off';
  }
  assertStageSettings(stage, settings);
  return settings;
}

export function assertStageSettings(stage: string, settings: StageSettings): void {
  for (const origin of settings.allowedOrigins) {
    // A wildcard (or a path) would let any site call the API with a user's token from the browser.
    if (!/^https?:\/\/[A-Za-z0-9.-]+(:\d+)?$/.test(origin)) {
      throw new Error(
        `Stage ${stage}: allowed origin "${origin}" must be an exact origin like https://app.example.com`,
      );
    }
    if (settings.protect && origin.startsWith('http:')) {
      throw new Error(`Stage ${stage}: protected stages only allow https origins (got ${origin})`);
    }
  }
  if (settings.protect && !settings.retain) {
    throw new Error(`Stage ${stage}: a protected stage must retain its data (retain: true)`);
  }
  const { identity } = settings;
  if (identity.kind === 'cognito' && settings.protect && !identity.email) {
    throw new Error(
      `Stage ${stage}: a protected stage with Cognito needs identity.email (SES): Cognito's own sender allows only a ` +
        'few emails a day, and self sign-up is on (docs/deploy.md)',
    );
  }
  if (identity.kind === 'cognito' && identity.email) {
    const address = /<([^>]+)>\s*$/.exec(identity.email.from)?.[1] ?? identity.email.from;
    if (!/^[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+$/.test(address)) {
      throw new Error(`Stage ${stage}: identity.email.from "${identity.email.from}" is not an email address`);
    }
    const domain = address.split('@')[1]?.toLowerCase();
    const sesIdentity = identity.email.sesIdentity.toLowerCase();
    if (sesIdentity !== domain && sesIdentity !== address.toLowerCase()) {
      throw new Error(
        `Stage ${stage}: identity.email.from must be an address of the SES identity ${identity.email.sesIdentity}`,
      );
    }
  }
  if (identity.kind === 'oidc') {
    if (!identity.issuer.startsWith('https://')) throw new Error(`Stage ${stage}: the OIDC issuer must be https`);
    if (identity.audience.length === 0) throw new Error(`Stage ${stage}: the OIDC audience must not be empty`);
  } else if (identity.callbackUrls.length === 0) {
    throw new Error(`Stage ${stage}: Cognito needs at least one callback URL`);
  }
  for (const throttle of [settings.throttling.stage, settings.throttling.publicRoutes]) {
    if (throttle.rateLimit <= 0 || throttle.burstLimit <= 0)
      throw new Error(`Stage ${stage}: throttles must be positive`);
  }
  if (settings.throttling.publicRoutes.rateLimit >= settings.throttling.stage.rateLimit) {
    throw new Error(`Stage ${stage}: public routes must be throttled tighter than the stage`);
  }
  if (settings.alertEmail !== undefined && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(settings.alertEmail)) {
    throw new Error(`Stage ${stage}: alertEmail "${settings.alertEmail}" is not an email address`);
  }
}

/** Lambda tiers whose throttling is an incident (public throttles by design under a flood: see docs/limits.md). */
export const THROTTLE_ALARM_TIERS = ['api', 'webhook', 'worker'] as const;

/**
 * The table's name is fixed too: `pnpm seed` finds it, and a change that would replace the table fails instead
 * of quietly creating an empty one next to the data.
 */
export function tableName(stage: string): string {
  return `${APP_NAME}-${stage}`;
}

/** Lambda function names are fixed (`toolgate-<stage>-<tier>`) so preflight and operators can find them. */
/** A tier's response-streaming function (the api tier's chat stream behind a Function URL, docs/adr/0003-streaming.md). */
export function streamFunctionName(stage: string, tier: string): string {
  return functionName(stage, `${tier}-stream`);
}

export function functionName(stage: string, tier: string): string {
  const name = `${APP_NAME}-${stage}-${tier}`;
  if (name.length > 64 || !/^[A-Za-z0-9-_]+$/.test(name)) {
    throw new Error(`Function name ${name} is not a valid Lambda name: use a shorter stage name of letters and digits`);
  }
  return name;
}
