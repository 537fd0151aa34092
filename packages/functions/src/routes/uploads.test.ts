import { scope } from '@toolgate/core/scopes';
import { manualClock } from '@toolgate/core/testing/clock';
import { unusedJobsService } from '@toolgate/core/testing/jobs-fakes';
import { memoryStarter, memoryStorage, memoryUploads } from '@toolgate/core/testing/upload-fakes';
import { ToolRegistry } from '@toolgate/core/tools/registry';
import { UploadsConfigSchema } from '@toolgate/core/uploads/config';
import { uploadKey } from '@toolgate/core/uploads/keys';
import { createUploadService } from '@toolgate/core/uploads/service';
import type { UsersRepository } from '@toolgate/core/users/aws/repository';
import { describe, expect, it } from 'vitest';
import { createApiApp } from '../apps/api';
import { fakeVerifier } from '../testing/agent-app';

const callers = {
  'alice.token.x': { sub: 'alice', scopes: [scope('documents')], clientId: 'c' },
  'bob.token.x': { sub: 'bob', scopes: [scope('documents')], clientId: 'c' },
  'tools.only.x': { sub: 'carol', scopes: [scope('tools')], clientId: 'c' },
};

function setup() {
  const clock = manualClock();
  const storage = memoryStorage(clock);
  const ingestion = memoryStarter();
  const uploads = createUploadService({
    uploads: memoryUploads(clock),
    now: clock,
    storage,
    ingestion,
    limits: UploadsConfigSchema.parse({ maxBytes: 1000 }),
    users: { get: async () => ({ plan: 'free' }) },
    quota: { assertAvailable: async () => ({ month: '2026-01', used: 0, quota: 1, remaining: 1, resetSeconds: 1 }) },
  });
  const users: UsersRepository = {
    get: async (sub) => ({ sub, plan: 'free' }),
    setPlan: () => Promise.reject(new Error()),
  };
  const app = createApiApp({
    verifier: fakeVerifier(callers),
    users,
    rateLimiter: null,
    tools: new ToolRegistry([]),
    chat: {} as never,
    chatDeadlineMs: 25_000,
    uploads,
    jobs: unusedJobsService(),
  });
  const request = (token: string, method: string, path: string, body?: unknown) =>
    app.request(path, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
  return { storage, ingestion, request };
}

const declared = { filename: 'a.txt', contentType: 'text/plain', size: 3 };

describe('upload routes', () => {
  it('POST /uploads answers 201 with the presigned POST, never cached', async () => {
    const { request } = setup();
    const response = await request('alice.token.x', 'POST', '/uploads', declared);
    expect(response.status).toBe(201);
    expect(response.headers.get('cache-control')).toBe('no-store');
    const body = (await response.json()) as { id: string; post: { fields: Record<string, string> } };
    expect(response.headers.get('location')).toBe(`/uploads/${body.id}`);
    expect(body).toMatchObject({
      status: 'PENDING',
      ...declared,
      post: { fields: { key: `users/alice/uploads/${body.id}` } },
    });
  });

  it('validates against the configured maximum and names the field', async () => {
    const { request } = setup();
    const response = await request('alice.token.x', 'POST', '/uploads', { ...declared, size: 1001 });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({
      errors: [{ field: 'body.size', message: 'must be at most 1000 bytes' }],
    });
  });

  it('completes with 202, reports with GET, and hides uploads from other users', async () => {
    const { request, storage } = setup();
    const { id } = (await (await request('alice.token.x', 'POST', '/uploads', declared)).json()) as { id: string };
    storage.put(uploadKey('alice', id), 'abc', 'text/plain');
    const completed = await request('alice.token.x', 'POST', `/uploads/${id}/complete`);
    expect(completed.status).toBe(202);
    // No gateway event here, so the app's own request id stands in: the ingestion is labelled with it.
    const body = (await completed.json()) as { correlationId: string };
    expect(body).toEqual({ id, status: 'UPLOADED', ingestion: 'STARTED', correlationId: expect.any(String) });
    const shown = await request('alice.token.x', 'GET', `/uploads/${id}`);
    expect(await shown.json()).toMatchObject({ id, status: 'UPLOADED', correlationId: body.correlationId });
    expect((await request('bob.token.x', 'GET', `/uploads/${id}`)).status).toBe(404);
    expect((await request('bob.token.x', 'POST', `/uploads/${id}/complete`)).status).toBe(404);
    expect((await request('alice.token.x', 'GET', '/uploads/abc')).status).toBe(400);
  });

  it('GET /documents pages the caller’s documents and checks its query', async () => {
    const { request } = setup();
    const listing = await request('alice.token.x', 'GET', '/documents?limit=5');
    expect(await listing.json()).toEqual({ items: [], nextCursor: null });
    expect((await request('alice.token.x', 'GET', '/documents?limit=5&limit=6')).status).toBe(400);
    expect((await request('alice.token.x', 'GET', '/documents?colour=red')).status).toBe(400);
    expect((await request('tools.only.x', 'GET', '/documents')).status).toBe(403);
  });
});
