import { RateLimitedError } from '@toolgate/core/errors';
import { CorruptJobError } from '@toolgate/core/jobs/aws/repository';
import { DocumentRejectedError, TransientError } from '@toolgate/core/workflows/errors';
import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { onError } from './problem';
import type { AppEnv } from './types';

function appThrowing(error: unknown) {
  const app = new Hono<AppEnv>();
  app.onError(onError);
  app.get('/', () => {
    throw error;
  });
  return app;
}

async function answer(error: unknown) {
  const response = await appThrowing(error).request('/');
  return {
    status: response.status,
    retryAfter: response.headers.get('Retry-After'),
    contentType: response.headers.get('Content-Type'),
    body: (await response.json()) as Record<string, unknown>,
  };
}

describe('onError', () => {
  it('answers a rate limit with its detail and Retry-After, from the one argument order', async () => {
    expect(await answer(new RateLimitedError('Too many requests from this address; slow down.', 12))).toEqual({
      status: 429,
      retryAfter: '12',
      contentType: 'application/problem+json',
      body: {
        type: 'urn:toolgate:problem:rate-limited',
        title: 'Too many requests',
        status: 429,
        detail: 'Too many requests from this address; slow down.',
      },
    });
  });

  it('answers a corrupt job item exactly as an unexpected error: nothing about the job leaks', async () => {
    const corrupt = await answer(new CorruptJobError('job-1', new Error('schema')));
    expect(corrupt).toEqual(await answer(new Error('job job-1: stored item does not match the job schema')));
    expect(corrupt.body).toMatchObject({ type: 'urn:toolgate:problem:internal', status: 500 });
    expect(JSON.stringify(corrupt.body)).not.toContain('job-1');
  });

  it('maps a workflow error that ever reached HTTP by what it means', async () => {
    expect((await answer(new TransientError('The model is busy.'))).body).toMatchObject({
      type: 'urn:toolgate:problem:unavailable',
      status: 503,
    });
    expect((await answer(new DocumentRejectedError('Not a PDF.'))).body).toMatchObject({
      type: 'urn:toolgate:problem:unprocessable',
      status: 422,
      detail: 'Not a PDF.',
    });
  });
});
