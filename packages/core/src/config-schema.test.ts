import { describe, expect, it } from 'vitest';
import { AGENT_SECTION, MODEL_SECTION } from './agent/config';
import { AUTH_SECTION } from './auth/config';
import { type ConfigSection, createConfigReader, type Env, rawConfig, type SstResources } from './config-reader';
import { CONFIG_SECTIONS, ConfigSchema, readConfig } from './config-schema';
import { JOBS_SECTION } from './jobs/config';
import { LIMITS_SECTION } from './limits/plans';
import { UPLOADS_SECTION } from './uploads/config';

/**
 * A Lambda reads its configuration section by section (`process-config.ts`); tests and tools read it whole
 * (`readConfig`). Both must give the same values and refuse the same mistakes.
 */
const auth = JSON.stringify({ kind: 'local', issuer: 'x', clientIds: ['c'], jwksUri: 'http://127.0.0.1/jwks' });
const local: Env = { TOOLGATE_TABLE_NAME: 't', TOOLGATE_BUCKET_NAME: 'b', TOOLGATE_AUTH: auth };
const tuned: Env = {
  ...local,
  TOOLGATE_MAX_UPLOAD_BYTES: '2048',
  TOOLGATE_CHAT_DEADLINE_MS: '9000',
  TOOLGATE_MODEL_PROVIDER: 'openai',
  TOOLGATE_OPENAI_BASE_URL: 'http://127.0.0.1:8080/v1',
  TOOLGATE_MODEL_ID: 'm',
  TOOLGATE_JOBS: JSON.stringify({ stepCap: 4 }),
  TOOLGATE_LIMITS: JSON.stringify({ public: { burst: 9, refillPerSecond: 1, maxTrackedClients: 50 } }),
  TOOLGATE_ALLOWED_ORIGINS: 'http://localhost:3000',
};
const deployedEnv: Env = { AWS_REGION: 'eu-west-1', SST_RESOURCE_App: '{}' };
const deployed: SstResources = {
  App: { stage: 'prod' },
  Table: { name: 'toolgate-prod' },
  Uploads: { name: 'uploads-bucket' },
  Auth: { kind: 'cognito', userPoolId: 'eu-west-1_abc', clientIds: ['c'] },
  Settings: { allowedOrigins: ['https://app.example.com'], model: { provider: 'bedrock' }, agent: '{"stepCap":3}' },
};

const sources: [string, Env, SstResources?][] = [
  ['local defaults', local],
  ['local, every section set', tuned],
  ['deployed', deployedEnv, deployed],
];

describe('configuration read section by section', () => {
  it.each(sources)('gives what the whole read gives (%s)', (_name, env, resources) => {
    const whole = readConfig(env, resources);
    const reader = createConfigReader(rawConfig(env, resources));
    const bySection = Object.fromEntries(
      CONFIG_SECTIONS.map((section: ConfigSection) => [section.name, reader.section(section)]),
    );
    expect({ ...reader.base, ...bySection }).toEqual(whole);
  });

  it('declares every section of the whole schema, with the same schema', () => {
    const sectionKeys = CONFIG_SECTIONS.map((section) => section.name).sort();
    const shape = ConfigSchema.shape as Record<string, unknown>;
    for (const section of CONFIG_SECTIONS) expect(shape[section.name]).toBe(section.schema);
    expect(sectionKeys).toEqual(['agent', 'auth', 'jobs', 'limits', 'model', 'uploads']);
    expect([AGENT_SECTION, MODEL_SECTION, AUTH_SECTION, JOBS_SECTION, LIMITS_SECTION, UPLOADS_SECTION]).toEqual(
      expect.arrayContaining([...CONFIG_SECTIONS]),
    );
  });

  it('validates a section once and hands out the same object afterwards', () => {
    const reader = createConfigReader(rawConfig(tuned));
    const limits = reader.section(LIMITS_SECTION);
    expect(limits.public.burst).toBe(9);
    expect(reader.section(LIMITS_SECTION)).toBe(limits);
  });

  it('refuses a bad section when it is read, naming the field as the whole read does', () => {
    const env = { ...local, TOOLGATE_CHAT_DEADLINE_MS: '29000' };
    expect(() => readConfig(env)).toThrow('Configuration is invalid or incomplete (agent.chatDeadlineMs)');
    const reader = createConfigReader(rawConfig(env));
    // Another section of the same configuration is still usable: a tier that never reads `agent` starts.
    expect(reader.section(LIMITS_SECTION).plans.free.requestsPerMinute.standard).toBeGreaterThan(0);
    expect(() => reader.section(AGENT_SECTION)).toThrow(
      'Configuration is invalid or incomplete (agent.chatDeadlineMs)',
    );
    // Not cached: every read of a bad section throws.
    expect(() => reader.section(AGENT_SECTION)).toThrow(/agent\.chatDeadlineMs/);
  });

  it('refuses a bad or missing base when the reader is created', () => {
    expect(() => createConfigReader(rawConfig({ ...local, TOOLGATE_TABLE_NAME: undefined }))).toThrow(
      'Configuration is invalid or incomplete (tableName)',
    );
    expect(() => createConfigReader(rawConfig(deployedEnv, { ...deployed, Uploads: undefined }))).toThrow(/bucketName/);
  });

  it('names a missing section by its key', () => {
    const reader = createConfigReader(rawConfig({ ...local, TOOLGATE_AUTH: undefined }));
    expect(() => reader.section(AUTH_SECTION)).toThrow('Configuration is invalid or incomplete (auth)');
  });
});

describe("deployed: SST's real Resource", () => {
  /**
   * SST's `Resource` throws on a name the function is not linked to; each tier is linked only to what it uses. The
   * public tier, the most narrowly linked, reads its configuration through the real `sst/resource` in a process of
   * its own, with exactly the links infra gives it (`infra/functions.ts`).
   */
  it('configures the public tier from its own links alone (no JobsQueue, Ingestion or Stripe secret)', async () => {
    const { spawnSync } = await import('node:child_process');
    const { fileURLToPath } = await import('node:url');
    const link = (value: unknown) => JSON.stringify({ type: 'sst.sst.Linkable', ...(value as object) });
    const env = {
      PATH: process.env.PATH,
      AWS_REGION: 'eu-west-1',
      AWS_LAMBDA_FUNCTION_NAME: 'toolgate-prod-public',
      SST_RESOURCE_App: JSON.stringify({ name: 'toolgate', stage: 'prod' }),
      SST_RESOURCE_Table: link(deployed.Table),
      SST_RESOURCE_Uploads: link(deployed.Uploads),
      SST_RESOURCE_Auth: link(deployed.Auth),
      SST_RESOURCE_Settings: link(deployed.Settings),
      SST_RESOURCE_CursorSigningKey: JSON.stringify({ type: 'sst.sst.Secret', value: 'k'.repeat(40) }),
    };
    const module = fileURLToPath(new URL('./process-config.ts', import.meta.url));
    const child = spawnSync(
      process.execPath,
      [
        '--import',
        'tsx',
        '--input-type=module',
        '-e',
        `const m = await import(${JSON.stringify(module)}); console.log(JSON.stringify(m.config));`,
      ],
      { env, encoding: 'utf8', cwd: fileURLToPath(new URL('.', import.meta.url)) },
    );
    expect(
      child.stderr.replace(/\(node:\d+\) Warning: NodeVersionSupportWarning[\s\S]*?warning was created\)\n?/, ''),
    ).toBe('');
    expect(JSON.parse(child.stdout)).toMatchObject({ stage: 'prod', tableName: 'toolgate-prod', local: false });
  }, 20_000);
});
