import { createDocumentClient } from '@toolgate/core/data/dynamo';
import { createUsersRepository } from '@toolgate/core/users/aws/repository';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_CREDENTIALS } from './local-env';
import { type LocalRuntime, startLocalRuntime } from './runtime';
import { temporaryDir } from './testing/fixtures';

// The real tier handlers from @toolgate/functions: they read the environment when imported, hence one runtime
// for this whole file.
let keys: Awaited<ReturnType<typeof temporaryDir>>;
let runtime: LocalRuntime;

beforeAll(async () => {
  keys = await temporaryDir();
  runtime = await startLocalRuntime({ quiet: true, keysDir: keys.path });
});
afterAll(async () => {
  await runtime?.stop();
  await keys.remove();
});

describe('the runtime with the real tier handlers', () => {
  it('answers /health through the public tier', async () => {
    const res = await fetch(`${runtime.url}/health`);
    expect(res.status).toBe(200);
    expect(res.headers.get('apigw-requestid')).toBeTruthy();
  });

  it('serves the seeded catalog from DynamoDB', async () => {
    const res = await fetch(`${runtime.url}/catalog?limit=100`);
    expect(res.status).toBe(200);
    const page = (await res.json()) as { items: unknown[] };
    expect(page.items).toHaveLength(runtime.seeded);
  });

  it('runs the api tier behind the authorizer, with the plan read from the table', async () => {
    expect((await fetch(`${runtime.url}/me`)).status).toBe(401);
    const doc = createDocumentClient({
      region: runtime.region,
      endpoint: runtime.endpoints.dynamodb,
      credentials: LOCAL_CREDENTIALS,
    });
    await createUsersRepository(doc, runtime.tableName).setPlan('user-real', 'pro');
    doc.destroy();
    const token = await runtime.issuer.mintAccessToken({ sub: 'user-real', scopes: ['toolgate/profile'] });
    const res = await fetch(`${runtime.url}/me`, { headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ sub: 'user-real', plan: 'pro' });
  });

  it('refuses a second runtime in this process: the handlers are bound to the first', async () => {
    await runtime.stop();
    await expect(startLocalRuntime({ quiet: true, keysDir: keys.path })).rejects.toThrow(/one runtime per process/);
    runtime = await startLocalRuntime({
      quiet: true,
      keysDir: keys.path,
      handlers: {
        public: async () => ({ statusCode: 200, body: 'ok' }),
        api: async () => ({}),
        webhook: async () => ({}),
      },
    });
  });
});
