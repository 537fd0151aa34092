import { describe, expect, it } from 'vitest';
import { createCors } from './cors';

const config = {
  allowOrigins: ['http://localhost:5173'],
  allowMethods: ['GET', 'POST'],
  allowHeaders: ['authorization', 'content-type'],
};

describe('CORS refusals are reported', () => {
  it('once per refused origin, never for an allowed one or a request without Origin', () => {
    const refused: string[] = [];
    const cors = createCors(config, (origin) => refused.push(origin));
    expect(cors.responseHeaders('http://localhost:5173')).not.toEqual([]);
    expect(cors.responseHeaders(undefined)).toEqual([]);
    expect(cors.responseHeaders('http://evil.test')).toEqual([]);
    expect(cors.responseHeaders('http://evil.test')).toEqual([]);
    const preflight = {
      method: 'OPTIONS',
      headers: { origin: 'http://other.test', 'access-control-request-method': 'POST' },
    } as never;
    expect(cors.preflightHeaders(preflight)).toEqual([]);
    expect(refused).toEqual(['http://evil.test', 'http://other.test']);
  });
});
