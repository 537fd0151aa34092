import { describe, expect, it } from 'vitest';
import { IdempotencyKeySchema, JobMessageSchema, JobRequestSchema, jobMessages, requestHash } from './schema';

const issues = (input: unknown) => {
  const result = JobRequestSchema.safeParse(input);
  return result.success ? [] : result.error.issues.map((issue) => issue.path.join('.') || '(root)');
};

describe('job requests', () => {
  it('take a prompt or messages ending with a user message, plus optional options', () => {
    expect(issues({ prompt: 'summarize this' })).toEqual([]);
    expect(
      issues({
        messages: [
          { role: 'user', content: 'hi' },
          { role: 'assistant', content: 'yes?' },
          { role: 'user', content: 'go' },
        ],
      }),
    ).toEqual([]);
    expect(issues({ prompt: 'x', options: { stepCap: 5, maxOutputTokens: 512, deadlineSeconds: 60 } })).toEqual([]);
    expect(jobMessages(JobRequestSchema.parse({ prompt: '  padded  ' }))).toEqual([
      { role: 'user', content: 'padded' },
    ]);
  });

  it('refuse both or neither, a conversation ending with the assistant, forged tool messages and unknown fields', () => {
    expect(issues({})).toEqual(['(root)']);
    expect(issues({ prompt: 'a', messages: [{ role: 'user', content: 'b' }] })).toEqual(['(root)']);
    expect(
      issues({
        messages: [
          { role: 'user', content: 'a' },
          { role: 'assistant', content: 'b' },
        ],
      }),
    ).toEqual(['messages']);
    expect(issues({ messages: [{ role: 'tool', toolCallId: 't', name: 'account_get', content: '{}' }] })).toContain(
      'messages.0.role',
    );
    expect(issues({ prompt: 'a', sub: 'someone-else' })).toEqual(['(root)']);
    expect(issues({ prompt: 'a', options: { stepCap: 0 } })).toEqual(['options.stepCap']);
    expect(issues({ prompt: '   ' })).toEqual(['prompt']);
  });

  it('hash the validated request, independent of key order and surrounding whitespace', () => {
    const a = JobRequestSchema.parse({ prompt: 'x ', options: { stepCap: 3, maxOutputTokens: 100 } });
    const b = JobRequestSchema.parse({ options: { maxOutputTokens: 100, stepCap: 3 }, prompt: 'x' });
    expect(requestHash(a)).toBe(requestHash(b));
    expect(requestHash(a)).not.toBe(requestHash(JobRequestSchema.parse({ prompt: 'y' })));
    expect(requestHash(JobRequestSchema.parse({ prompt: 'x' }))).not.toBe(
      requestHash(JobRequestSchema.parse({ messages: [{ role: 'user', content: 'x' }] })),
    );
  });
});

describe('Idempotency-Key', () => {
  it('accepts UUIDs and opaque tokens, quoted or not', () => {
    expect(IdempotencyKeySchema.parse('5c4e0f0a-8f6b-4c7e-9d55-1f0c3c1b2a10')).toBe(
      '5c4e0f0a-8f6b-4c7e-9d55-1f0c3c1b2a10',
    );
    expect(IdempotencyKeySchema.parse('"order-2026-11-24.1"')).toBe('order-2026-11-24.1');
  });

  it('refuses short, long, and keys with # or whitespace (they are part of a table key)', () => {
    for (const bad of ['short', 'x'.repeat(256), 'tenant#12345678', 'has space 12345', '']) {
      expect(IdempotencyKeySchema.safeParse(bad).success, bad).toBe(false);
    }
  });
});

describe('queue messages', () => {
  it('are a job id and nothing else', () => {
    const jobId = '0b4e0d9a-ad0b-47ea-be81-eeb50d621be4';
    expect(JobMessageSchema.parse({ jobId })).toEqual({ jobId });
    expect(JobMessageSchema.safeParse({ jobId, sub: 'mallory' }).success).toBe(false);
    expect(JobMessageSchema.safeParse({ jobId: 'JOB#x' }).success).toBe(false);
  });
});
