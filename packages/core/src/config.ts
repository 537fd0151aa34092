import { z } from 'zod';

/**
 * The one place that reads configuration. Deployed, values come from SST's linked resources (`Resource.X`,
 * injected by `sst deploy`); locally, the embedded runtime sets `TOOLGATE_*` environment variables. Nothing else
 * in toolgate reads `process.env`.
 */

export const AuthConfigSchema = z.discriminatedUnion('kind', [
  /** Cognito user pool: access tokens carry `client_id` (not `aud`) and `token_use: access`. */
  z.object({
    kind: z.literal('cognito'),
    userPoolId: z.string().regex(/^[\w-]+_[0-9a-zA-Z]+$/),
    clientIds: z.array(z.string().min(1)).min(1),
  }),
  /** Any OIDC issuer whose access tokens are RS256 JWTs with an `aud` claim. */
  z.object({
    kind: z.literal('oidc'),
    issuer: z.url({ protocol: /^https$/ }),
    audience: z.array(z.string().min(1)).min(1),
    jwksUri: z.url({ protocol: /^https$/ }).optional(),
  }),
  /** The local dev issuer: Cognito-shaped tokens, JWKS served over loopback http. */
  z.object({
    kind: z.literal('local'),
    issuer: z.string().min(1),
    clientIds: z.array(z.string().min(1)).min(1),
    jwksUri: z.url(),
  }),
]);
export type AuthConfig = z.infer<typeof AuthConfigSchema>;

export const ConfigSchema = z.object({
  stage: z.string().min(1),
  /** True when running against the embedded emulators (path-style S3, http JWKS). */
  local: z.boolean(),
  region: z.string().min(1),
  tableName: z.string().min(1),
  bucketName: z.string().min(1),
  jobsQueueUrl: z.string().optional(),
  /** Browser origins allowed by CORS. Never `*` for credentialed routes. */
  allowedOrigins: z.array(z.string()).default([]),
  auth: AuthConfigSchema,
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

function fromLocalEnv(env: Env): unknown {
  return {
    stage: env.TOOLGATE_STAGE ?? 'local',
    local: true,
    region: env.AWS_REGION ?? 'us-east-1',
    tableName: env.TOOLGATE_TABLE_NAME,
    bucketName: env.TOOLGATE_BUCKET_NAME,
    jobsQueueUrl: env.TOOLGATE_JOBS_QUEUE_URL,
    allowedOrigins: env.TOOLGATE_ALLOWED_ORIGINS?.split(',').filter(Boolean),
    auth: parseJson('TOOLGATE_AUTH', env.TOOLGATE_AUTH),
  };
}

/** Shape of the SST links this code reads (see infra/): App, Table, Uploads, JobsQueue, Auth, Settings. */
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
    allowedOrigins: settings.allowedOrigins,
    auth: resource.Auth,
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
