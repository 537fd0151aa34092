import { AGENT_SECTION, MODEL_SECTION } from './agent/config';
import { AUTH_SECTION } from './auth/config';
import { BaseConfigSchema, type Env, parseConfig, rawConfig, type SstResources } from './config-reader';
import { JOBS_SECTION } from './jobs/config';
import { LIMITS_SECTION } from './limits/plans';
import { UPLOADS_SECTION } from './uploads/config';
import * as z from './zod';

/**
 * The whole configuration, validated at once: what tests and tools check. A Lambda reads the same configuration
 * through `process-config.ts`, which validates the base at init and each section when its tier first uses it (see
 * `config-reader.ts`); both take their schemas from the same section declarations, so the two cannot disagree.
 */
export const ConfigSchema = z.extend(BaseConfigSchema, {
  /** Maximum upload size and presigned POST expiry. */
  uploads: UPLOADS_SECTION.schema,
  auth: AUTH_SECTION.schema,
  /** The agent's model provider (`dev` locally, `bedrock` by default when deployed). */
  model: MODEL_SECTION.schema,
  /** Chat loop budget: step cap, deadline (under the gateway's 30 s), output tokens, conversation retention. */
  agent: AGENT_SECTION.schema,
  /** Per-plan request limits, monthly chat token quotas and the public per-IP bucket. */
  limits: LIMITS_SECTION.schema,
  /** Job runs: budget, step cap, inline result size, retry delay, retention (`jobs/config.ts`). */
  jobs: JOBS_SECTION.schema,
});
export type Config = z.infer<typeof ConfigSchema>;

/** Every section, for checks that walk them all. */
export const CONFIG_SECTIONS = [
  UPLOADS_SECTION,
  AUTH_SECTION,
  MODEL_SECTION,
  AGENT_SECTION,
  LIMITS_SECTION,
  JOBS_SECTION,
] as const;

/**
 * Reads and validates the whole configuration. `resources` is SST's `Resource` object, passed in by the caller that
 * runs deployed (so that local code never loads it); tests pass plain objects.
 */
export function readConfig(env: Env, resources?: SstResources): Config {
  return parseConfig(ConfigSchema, rawConfig(env, resources));
}
