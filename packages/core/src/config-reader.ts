import { MIN_CURSOR_KEY_LENGTH } from './data/cursor';
import { PlanSchema } from './plans';
import * as z from './zod';

/**
 * Where configuration comes from, and its base part. Deployed, values come from SST's linked resources
 * (`Resource.X`, injected by `sst deploy`); locally, the embedded runtime sets `TOOLGATE_*` environment variables.
 * Nothing else in toolgate reads `process.env` (`process-config.ts` is the one caller at run time).
 *
 * The configuration is one object with a base (names and ids every tier needs) and sections (auth, model, agent,
 * limits, jobs, uploads), each owned by the domain module that uses it. `config-schema.ts` validates all of it at once
 * (tests, tools); a Lambda validates the base at init and each section when a module of its tier first asks for it
 * (`createConfigReader`), which the tier's dependency modules do at init: a tier never pays for the schemas of a
 * section it does not use (the public tier builds no agent, auth or jobs schema), and still refuses to start on a
 * bad section it does use.
 */

/**
 * Local-mode Stripe defaults, so `pnpm dev` and `pnpm stripe:send` work with no setup. Never used when deployed:
 * there the secret comes from the `StripeWebhookSecret` sst.Secret and the prices from the stage's Settings.
 */
export const LOCAL_STRIPE_WEBHOOK_SECRET = 'whsec_toolgate_local_dev';
export const LOCAL_STRIPE_PRO_PRICE = 'price_toolgate_local_pro';
export const LOCAL_STRIPE_PRICES = { [LOCAL_STRIPE_PRO_PRICE]: 'pro' } as const;

const nonEmpty = () => z.string().check(z.minLength(1));

export const BaseConfigSchema = z.object({
  stage: nonEmpty(),
  /** True when running against the embedded emulators (path-style S3, http JWKS). */
  local: z.boolean(),
  region: nonEmpty(),
  tableName: nonEmpty(),
  bucketName: nonEmpty(),
  jobsQueueUrl: z.optional(z.string()),
  /** The ingestion state machine (only the api tier, which starts executions, is linked to it). */
  ingestionArn: z.optional(nonEmpty()),
  /** Browser origins allowed by CORS. Never `*` for credentialed routes. */
  allowedOrigins: z._default(z.array(z.string()), []),
  /**
   * Stripe webhook signing secret (`whsec_...`). Optional here because only the webhook tier is linked to it;
   * that tier refuses to start without it.
   */
  stripeWebhookSecret: z.optional(nonEmpty()),
  /**
   * HMAC key of pagination cursors (`data/cursor.ts`). Optional here because only the tiers that serve listings
   * (public, api) are linked to the `CursorSigningKey` secret; those refuse to start without it.
   */
  cursorSigningKey: z.optional(z.string().check(z.minLength(MIN_CURSOR_KEY_LENGTH))),
  /** Stripe price id → the plan a subscription to it grants. Prices not listed grant nothing. */
  stripePrices: z._default(z.record(nonEmpty(), PlanSchema), {}),
});
export type BaseConfig = z.infer<typeof BaseConfigSchema>;

/** The sections of the configuration, each a top-level key of it. */
export type SectionName = 'uploads' | 'auth' | 'model' | 'agent' | 'limits' | 'jobs';

/** A section: its key and its schema, defaults included (declared by the module that owns the section). */
export interface ConfigSection<N extends SectionName = SectionName, S extends z.core.$ZodType = z.core.$ZodType> {
  readonly name: N;
  readonly schema: S;
}

export function configSection<N extends SectionName, S extends z.core.$ZodType>(
  name: N,
  schema: S,
): ConfigSection<N, S> {
  return { name, schema };
}

export type Env = Record<string, string | undefined>;

/** The configuration as read, before validation. */
export type RawConfig = Record<string, unknown>;

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

function fromLocalEnv(env: Env): RawConfig {
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
      chunkDelayMs: envNumber(env.TOOLGATE_DEV_MODEL_CHUNK_DELAY_MS),
      region: env.TOOLGATE_BEDROCK_REGION,
      baseUrl: env.TOOLGATE_OPENAI_BASE_URL,
      apiKey: env.TOOLGATE_OPENAI_API_KEY,
      maxTokensParameter: env.TOOLGATE_OPENAI_MAX_TOKENS_PARAMETER || undefined,
    },
    agent: {
      stepCap: envNumber(env.TOOLGATE_AGENT_STEP_CAP),
      chatDeadlineMs: envNumber(env.TOOLGATE_CHAT_DEADLINE_MS),
      maxOutputTokens: envNumber(env.TOOLGATE_MAX_OUTPUT_TOKENS),
    },
    limits: parseJson('TOOLGATE_LIMITS', env.TOOLGATE_LIMITS),
    jobs: parseJson('TOOLGATE_JOBS', env.TOOLGATE_JOBS),
    cursorSigningKey: env.TOOLGATE_CURSOR_SIGNING_KEY,
    stripeWebhookSecret: env.TOOLGATE_STRIPE_WEBHOOK_SECRET ?? LOCAL_STRIPE_WEBHOOK_SECRET,
    stripePrices: parseJson('TOOLGATE_STRIPE_PRICES', env.TOOLGATE_STRIPE_PRICES) ?? LOCAL_STRIPE_PRICES,
  };
}

/**
 * Shape of the SST links this code reads (see infra/): App, Table, Uploads, JobsQueue, Ingestion, Auth, Settings,
 * StripeWebhookSecret, CursorSigningKey.
 */
export type SstResources = Record<string, Record<string, unknown> | undefined>;

/**
 * SST's `Resource` throws on a name the function is not linked to (`"JobsQueue" is not linked … to
 * toolgate-prod-public`), and each tier is linked only to what it uses: every link is read through `in` first.
 */
function linked(resource: SstResources, name: string): Record<string, unknown> | undefined {
  return name in resource ? resource[name] : undefined;
}

function fromSstResources(resources: SstResources, env: Env): RawConfig {
  const resource = new Proxy({} as SstResources, { get: (_, name: string) => linked(resources, name) });
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
    cursorSigningKey: resource.CursorSigningKey?.value,
    stripeWebhookSecret: resource.StripeWebhookSecret?.value,
    stripePrices: objectSetting('Settings.stripePrices', settings.stripePrices),
  };
}

export function isDeployed(env: Env): boolean {
  return env.SST_RESOURCE_App !== undefined || env.SST_KEY_FILE !== undefined;
}

/**
 * The configuration as read from SST's `Resource` object (deployed: the caller passes it, so that local code never
 * loads it) or from the local runtime's environment variables. Not validated yet.
 */
export function rawConfig(env: Env, resources?: SstResources): RawConfig {
  return resources ? fromSstResources(resources, env) : fromLocalEnv(env);
}

/** Validates `value` at `path` (a section name, or '' for the root); the error names every offending field. */
export function parseConfig<S extends z.core.$ZodType>(schema: S, value: unknown, path = ''): z.output<S> {
  const parsed = z.safeParse(schema, value);
  if (!parsed.success) {
    const fields = parsed.error.issues
      .map((issue) => [path, ...issue.path.map(String)].filter(Boolean).join('.') || '(root)')
      .join(', ');
    throw new Error(`Configuration is invalid or incomplete (${fields})`);
  }
  return parsed.data;
}

export interface ConfigReader {
  /** The base, validated when the reader is created. */
  readonly base: BaseConfig;
  /** A section, validated on its first read and the same object on every later one. */
  section<N extends SectionName, S extends z.core.$ZodType>(section: ConfigSection<N, S>): z.output<S>;
}

export function createConfigReader(raw: RawConfig): ConfigReader {
  const base = parseConfig(BaseConfigSchema, raw);
  const sections = new Map<SectionName, unknown>();
  return {
    base,
    section<N extends SectionName, S extends z.core.$ZodType>({ name, schema }: ConfigSection<N, S>): z.output<S> {
      if (!sections.has(name)) sections.set(name, parseConfig(schema, raw[name], name));
      return sections.get(name) as z.output<S>;
    },
  };
}
