import * as z from 'zod';
import { AgentConfigSchema, ModelConfigSchema } from './agent/config';
import { JobsConfigSchema } from './jobs/config';
import { LimitsConfigSchema } from './limits/plans';
import { PlanSchema } from './plans';
import { UploadsConfigSchema } from './uploads/config';

/**
 * The one place that reads configuration. Deployed, values come from SST's linked resources (`Resource.X`,
 * injected by `sst deploy`); locally, the embedded runtime sets `TOOLGATE_*` environment variables. Nothing else
 * in toolgate reads `process.env`.
 */

/**
 * The issuer's public keys (a JWKS document), when the deploy fetched them (`infra/auth.ts`): the verifier starts
 * with them cached, so that a cold start makes no round trip to the issuer. Optional: without them, or for a key id
 * they lack (after a rotation), aws-jwt-verify fetches the JWKS itself.
 */
export const JwksSchema = z.object({
  keys: z.array(z.looseObject({ kty: z.string().min(1), kid: z.string().min(1).optional() })).min(1),
});

export const AuthConfigSchema = z.discriminatedUnion('kind', [
  /** Cognito user pool: access tokens carry `client_id` (not `aud`) and `token_use: access`. */
  z.object({
    kind: z.literal('cognito'),
    userPoolId: z.string().regex(/^[\w-]+_[0-9a-zA-Z]+$/),
    clientIds: z.array(z.string().min(1)).min(1),
    jwks: JwksSchema.optional(),
  }),
  /** Any OIDC issuer whose access tokens are RS256 JWTs with an `aud` claim. */
  z.object({
    kind: z.literal('oidc'),
    issuer: z.url({ protocol: /^https$/ }),
    audience: z.array(z.string().min(1)).min(1),
    jwksUri: z.url({ protocol: /^https$/ }).optional(),
    jwks: JwksSchema.optional(),
  }),
  /** The local dev issuer: Cognito-shaped tokens, JWKS served over loopback http. */
  z.object({
    kind: z.literal('local'),
    issuer: z.string().min(1),
    clientIds: z.array(z.string().min(1)).min(1),
    jwksUri: z.url(),
    jwks: JwksSchema.optional(),
  }),
]);
export type AuthConfig = z.infer<typeof AuthConfigSchema>;

/**
 * Local-mode Stripe defaults, so `pnpm dev` and `pnpm stripe:send` work with no setup. Never used when deployed:
 * there the secret comes from the `StripeWebhookSecret` sst.Secret and the prices from the stage's Settings.
 */
export const LOCAL_STRIPE_WEBHOOK_SECRET = 'whsec_toolgate_local_dev';
export const LOCAL_STRIPE_PRO_PRICE = 'price_toolgate_local_pro';
export const LOCAL_STRIPE_PRICES = { [LOCAL_STRIPE_PRO_PRICE]: 'pro' } as const;

export const ConfigSchema = z.object({
  stage: z.string().min(1),
  /** True when running against the embedded emulators (path-style S3, http JWKS). */
  local: z.boolean(),
  region: z.string().min(1),
  tableName: z.string().min(1),
  bucketName: z.string().min(1),
  jobsQueueUrl: z.string().optional(),
  /** The ingestion state machine (only the api tier, which starts executions, is linked to it). */
  ingestionArn: z.string().min(1).optional(),
  /** Maximum upload size and presigned POST expiry. */
  uploads: UploadsConfigSchema.prefault({}),
  /** Browser origins allowed by CORS. Never `*` for credentialed routes. */
  allowedOrigins: z.array(z.string()).default([]),
  auth: AuthConfigSchema,
  /** The agent's model provider (`dev` locally, `bedrock` by default when deployed). */
  model: ModelConfigSchema.default({ provider: 'dev', latencyMs: 0 }),
  /** Chat loop budget: step cap, deadline (under the gateway's 30 s), output tokens, conversation retention. */
  agent: AgentConfigSchema.prefault({}),
  /** Per-plan request limits, monthly chat token quotas and the public per-IP bucket. */
  limits: LimitsConfigSchema.prefault({}),
  /** Job runs: budget, step cap, inline result size, retry delay, retention (`jobs/config.ts`). */
  jobs: JobsConfigSchema.prefault({}),
  /**
   * Stripe webhook signing secret (`whsec_...`). Optional here because only the webhook tier is linked to it;
   * that tier refuses to start without it.
   */
  stripeWebhookSecret: z.string().min(1).optional(),
  /** Stripe price id → the plan a subscription to it grants. Prices not listed grant nothing. */
  stripePrices: z.record(z.string().min(1), PlanSchema).default({}),
});
export type Config = z.infer<typeof ConfigSchema>;

export type Env = Record<string, string | undefined>;

function parseJson(name: string, raw: string | undefined): unknown {
  if (raw === undefined) return undefined;
  try {
    return JSON.parse(raw);
  } catch (error) {
    throw new Error(`Configuration: ${name} is not valid JSON`, { cause: error });
  }
}

/** An empty or absent variable is "not set"; anything else must be a number (the schema reports NaN by name). */
function envNumber(raw: string | undefined): number | undefined {
  return raw === undefined || raw.trim() === '' ? undefined : Number(raw);
}

/** SST `Settings` values arrive as objects, or as JSON when they come from a string setting. */
function objectSetting(name: string, value: unknown): unknown {
  return typeof value === 'string' ? parseJson(name, value) : value;
}

function fromLocalEnv(env: Env): unknown {
  return {
    stage: env.TOOLGATE_STAGE ?? 'local',
    local: true,
    region: env.AWS_REGION ?? 'us-east-1',
    tableName: env.TOOLGATE_TABLE_NAME,
    bucketName: env.TOOLGATE_BUCKET_NAME,
    jobsQueueUrl: env.TOOLGATE_JOBS_QUEUE_URL,
    ingestionArn: env.TOOLGATE_INGESTION_ARN,
    uploads: {
      maxBytes: envNumber(env.TOOLGATE_MAX_UPLOAD_BYTES),
      presignExpirySeconds: envNumber(env.TOOLGATE_UPLOAD_EXPIRY_SECONDS),
    },
    allowedOrigins: env.TOOLGATE_ALLOWED_ORIGINS?.split(',').filter(Boolean),
    auth: parseJson('TOOLGATE_AUTH', env.TOOLGATE_AUTH),
    model: {
      provider: env.TOOLGATE_MODEL_PROVIDER ?? 'dev',
      modelId: env.TOOLGATE_MODEL_ID,
      latencyMs: envNumber(env.TOOLGATE_DEV_MODEL_LATENCY_MS),
      region: env.TOOLGATE_BEDROCK_REGION,
      baseUrl: env.TOOLGATE_OPENAI_BASE_URL,
      apiKey: env.TOOLGATE_OPENAI_API_KEY,
    },
    agent: {
      stepCap: envNumber(env.TOOLGATE_AGENT_STEP_CAP),
      chatDeadlineMs: envNumber(env.TOOLGATE_CHAT_DEADLINE_MS),
      maxOutputTokens: envNumber(env.TOOLGATE_MAX_OUTPUT_TOKENS),
    },
    limits: parseJson('TOOLGATE_LIMITS', env.TOOLGATE_LIMITS),
    jobs: parseJson('TOOLGATE_JOBS', env.TOOLGATE_JOBS),
    stripeWebhookSecret: env.TOOLGATE_STRIPE_WEBHOOK_SECRET ?? LOCAL_STRIPE_WEBHOOK_SECRET,
    stripePrices: parseJson('TOOLGATE_STRIPE_PRICES', env.TOOLGATE_STRIPE_PRICES) ?? LOCAL_STRIPE_PRICES,
  };
}

/**
 * Shape of the SST links this code reads (see infra/): App, Table, Uploads, JobsQueue, Ingestion, Auth, Settings,
 * StripeWebhookSecret.
 */
type SstResources = Record<string, Record<string, unknown> | undefined>;

function fromSstResources(resource: SstResources, env: Env): unknown {
  const settings = resource.Settings ?? {};
  return {
    stage: resource.App?.stage,
    local: false,
    region: env.AWS_REGION,
    tableName: resource.Table?.name,
    bucketName: resource.Uploads?.name,
    jobsQueueUrl: resource.JobsQueue?.url,
    ingestionArn: resource.Ingestion?.arn,
    uploads: objectSetting('Settings.uploads', settings.uploads),
    allowedOrigins: settings.allowedOrigins,
    auth: resource.Auth,
    // Bedrock unless the stage says otherwise; an OpenAI-compatible key only ever comes from the secret.
    model: {
      ...((objectSetting('Settings.model', settings.model) as Record<string, unknown> | undefined) ?? {
        provider: 'bedrock',
      }),
      apiKey: resource.OpenAiApiKey?.value,
    },
    agent: objectSetting('Settings.agent', settings.agent),
    limits: objectSetting('Settings.limits', settings.limits),
    jobs: objectSetting('Settings.jobs', settings.jobs),
    stripeWebhookSecret: resource.StripeWebhookSecret?.value,
    stripePrices: objectSetting('Settings.stripePrices', settings.stripePrices),
  };
}

export function isDeployed(env: Env): boolean {
  return env.SST_RESOURCE_App !== undefined || env.SST_KEY_FILE !== undefined;
}

/**
 * Reads and validates the configuration. `resources` is SST's `Resource` object, passed in by the caller that
 * runs deployed (so that local code never loads it); tests pass plain objects.
 */
export function readConfig(env: Env, resources?: SstResources): Config {
  const raw = resources ? fromSstResources(resources, env) : fromLocalEnv(env);
  const parsed = ConfigSchema.safeParse(raw);
  if (!parsed.success) {
    const fields = parsed.error.issues.map((issue) => issue.path.join('.') || '(root)').join(', ');
    throw new Error(`Configuration is invalid or incomplete (${fields})`);
  }
  return parsed.data;
}
