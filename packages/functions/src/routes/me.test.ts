import { scope } from '@toolgate/core/scopes';
import { describe, expect, it } from 'vitest';
import { createAgentTestApp } from '../testing/agent-app';

const callers = { 'erin.token.x': { sub: 'erin', scopes: [scope('profile')], clientId: 'c' } };
const auth = { headers: { authorization: 'Bearer erin.token.x' } };

describe('GET /me', () => {
  it('answers the plan from our records with one read of the user: the one the per-plan limit made', async () => {
    const { app, userReads } = createAgentTestApp({ callers, plans: { erin: 'pro' } });
    const response = await app.request('/me', auth);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ sub: 'erin', plan: 'pro', scopes: [scope('profile')], clientId: 'c' });
    expect(response.headers.get('RateLimit-Limit')).not.toBeNull();
    expect(userReads.get('erin')).toBe(1);
  });

  it('reads the user itself when limiting is off', async () => {
    const { app, userReads } = createAgentTestApp({ callers, plans: { erin: 'pro' }, limiter: null });
    const response = await app.request('/me', auth);
    expect(await response.json()).toMatchObject({ sub: 'erin', plan: 'pro' });
    expect(userReads.get('erin')).toBe(1);
  });
});
