import { describe, expect, it } from 'vitest';
import { ConcurrencyLimiter } from './concurrency';
import { collectHeaders, collectQuery, encodeBody, formatRequestTime, stringifyClaims } from './event';
import { toHttpResponse } from './result';
import { TokenBucket } from './throttle';

describe('event helpers', () => {
  it('lower-cases header names, joins repeats with commas and moves cookies out', () => {
    const { headers, cookies } = collectHeaders([
      'Accept',
      'a/b',
      'X-Dup',
      '1',
      'x-dup',
      '2',
      'Cookie',
      'a=1; b=2',
      'cookie',
      'c=3',
      'Connection',
      'keep-alive',
    ]);
    expect(headers).toEqual({ accept: 'a/b', 'x-dup': '1,2' });
    expect(cookies).toEqual(['a=1', 'b=2', 'c=3']);
  });

  it('joins repeated query parameters and decodes values', () => {
    expect(collectQuery('')).toBeUndefined();
    expect(collectQuery('a=1&a=2&b=x%2Fy&c')).toEqual({ a: '1,2', b: 'x/y', c: '' });
  });

  it.each([
    ['application/json', false],
    ['application/problem+json; charset=utf-8', false],
    ['text/csv', false],
    ['application/x-www-form-urlencoded', false],
    ['application/octet-stream', true],
    ['image/png', true],
    [undefined, true],
  ])('encodes a %s body as base64: %s', (type, base64) => {
    expect(encodeBody(Buffer.from('abc'), type, undefined).isBase64Encoded).toBe(base64);
  });

  it('base64-encodes "text" that is not UTF-8', () => {
    expect(encodeBody(Buffer.from([0xff, 0xfe]), 'text/plain', undefined)).toEqual({
      body: '//4=',
      isBase64Encoded: true,
    });
  });

  it('stringifies claims the way API Gateway does', () => {
    expect(stringifyClaims({ a: 'x', n: 5, b: true, arr: ['p', 'q'], o: { k: 1 }, z: null })).toEqual({
      a: 'x',
      n: '5',
      b: 'true',
      arr: '[p q]',
      o: '{"k":1}',
    });
  });

  it('formats requestContext.time', () => {
    expect(formatRequestTime(Date.UTC(2020, 2, 12, 19, 3, 58))).toBe('12/Mar/2020:19:03:58 +0000');
  });
});

describe('integration response rules', () => {
  it('keeps a structured response', () => {
    expect(toHttpResponse({ statusCode: 204 })).toMatchObject({ statusCode: 204, body: Buffer.alloc(0) });
  });

  it('turns a bare string into a 200 JSON response body as-is', () => {
    const response = toHttpResponse('Hello from Lambda!');
    expect(response?.statusCode).toBe(200);
    expect(response?.body.toString()).toBe('Hello from Lambda!');
  });

  it('refuses output over the Lambda response limit', () => {
    expect(toHttpResponse({ statusCode: 200, body: 'x'.repeat(100) }, 50)).toBeNull();
  });

  it('refuses output that is not JSON', () => {
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    expect(toHttpResponse(circular)).toBeNull();
    expect(toHttpResponse(10n)).toBeNull();
  });
});

describe('token bucket', () => {
  it('allows a burst, then refills at the rate', () => {
    let now = 0;
    const bucket = new TokenBucket({ rateLimit: 2, burstLimit: 3 }, () => now);
    const take = () => {
      if (!bucket.canTake()) return false;
      bucket.take();
      return true;
    };
    expect([take(), take(), take(), take()]).toEqual([true, true, true, false]);
    now += 500; // one token at 2/s
    expect([take(), take()]).toEqual([true, false]);
    now += 10_000;
    expect([take(), take(), take(), take()]).toEqual([true, true, true, false]);
  });
});

describe('concurrency limiter', () => {
  it('never queues and frees a slot once on release', () => {
    const limiter = new ConcurrencyLimiter(1);
    const release = limiter.tryAcquire();
    expect(release).not.toBeNull();
    expect(limiter.tryAcquire()).toBeNull();
    release?.();
    release?.();
    expect(limiter.inFlight).toBe(0);
    expect(limiter.tryAcquire()).not.toBeNull();
    expect(limiter.tryAcquire()).toBeNull();
  });
});
