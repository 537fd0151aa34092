import { describe, expect, it } from 'vitest';
import * as core from './errors';
import {
  GatewayTimeoutError,
  INTERNAL_ERROR_DETAIL,
  isToolgateError,
  RateLimitedError,
  ServiceUnavailableError,
  ToolgateError,
  toProblem,
} from './errors';
import * as jobs from './jobs/aws/repository';
import { CorruptJobError } from './jobs/aws/repository';
import * as workflow from './workflows/errors';
import { DocumentRejectedError, InvalidStepInputError, TransientError } from './workflows/errors';

/**
 * Every error class, with what it means: a new class fails here until it is listed with its status, problem type
 * and whether retrying can help.
 */
const EXPECTED: Record<string, { make: () => ToolgateError; status: number; slug: string; retryable: boolean }> = {
  ValidationError: {
    make: () => new core.ValidationError([{ field: 'body.x', message: 'required' }]),
    status: 400,
    slug: 'validation',
    retryable: false,
  },
  BadRequestError: { make: () => new core.BadRequestError('x'), status: 400, slug: 'bad-request', retryable: false },
  InvalidSignatureError: {
    make: () => new core.InvalidSignatureError(),
    status: 400,
    slug: 'invalid-signature',
    retryable: false,
  },
  UnauthorizedError: { make: () => new core.UnauthorizedError(), status: 401, slug: 'unauthorized', retryable: false },
  ForbiddenError: { make: () => new core.ForbiddenError(), status: 403, slug: 'forbidden', retryable: false },
  NotFoundError: { make: () => new core.NotFoundError(), status: 404, slug: 'not-found', retryable: false },
  MethodNotAllowedError: {
    make: () => new core.MethodNotAllowedError(['GET']),
    status: 405,
    slug: 'method-not-allowed',
    retryable: false,
  },
  ConflictError: { make: () => new core.ConflictError('x'), status: 409, slug: 'conflict', retryable: false },
  PayloadTooLargeError: {
    make: () => new core.PayloadTooLargeError('x'),
    status: 413,
    slug: 'payload-too-large',
    retryable: false,
  },
  UnsupportedMediaTypeError: {
    make: () => new core.UnsupportedMediaTypeError('x'),
    status: 415,
    slug: 'unsupported-media-type',
    retryable: false,
  },
  UnprocessableError: {
    make: () => new core.UnprocessableError('x'),
    status: 422,
    slug: 'unprocessable',
    retryable: false,
  },
  RateLimitedError: {
    make: () => new RateLimitedError('x', 1),
    status: 429,
    slug: 'rate-limited',
    retryable: true,
  },
  ServiceUnavailableError: {
    make: () => new ServiceUnavailableError(),
    status: 503,
    slug: 'unavailable',
    retryable: true,
  },
  GatewayTimeoutError: { make: () => new GatewayTimeoutError(), status: 504, slug: 'timeout', retryable: true },
  UnreadableDataError: {
    make: () => new core.UnreadableDataError('x'),
    status: 500,
    slug: 'unreadable-data',
    retryable: false,
  },
  InternalError: { make: () => new core.InternalError(), status: 500, slug: 'internal', retryable: false },
  CorruptJobError: {
    make: () => new CorruptJobError('job-1', new Error('schema')),
    status: 500,
    slug: 'internal',
    retryable: false,
  },
  TransientError: { make: () => new TransientError('busy'), status: 503, slug: 'unavailable', retryable: true },
  DocumentRejectedError: {
    make: () => new DocumentRejectedError('not a PDF'),
    status: 422,
    slug: 'unprocessable',
    retryable: false,
  },
  InvalidStepInputError: {
    make: () => new InvalidStepInputError('no such upload'),
    status: 400,
    slug: 'bad-request',
    retryable: false,
  },
};

function errorClasses(module: Record<string, unknown>): string[] {
  return Object.entries(module)
    .filter(([, value]) => typeof value === 'function' && value.prototype instanceof ToolgateError)
    .map(([name]) => name);
}

describe('the error hierarchy', () => {
  it('lists every error class, each with its status, problem type and retry decision', () => {
    const exported = [...errorClasses(core), ...errorClasses(jobs), ...errorClasses(workflow)];
    expect(exported.sort()).toEqual(Object.keys(EXPECTED).sort());
    for (const [name, expected] of Object.entries(EXPECTED)) {
      const error = expected.make();
      expect(isToolgateError(error), name).toBe(true);
      expect({ status: error.status, slug: error.slug, retryable: error.retryable }, name).toEqual({
        status: expected.status,
        slug: expected.slug,
        retryable: expected.retryable,
      });
    }
  });

  it('gives a problem type one status and one title, whichever class carries it', () => {
    const byType = new Map<string, { status: number; title: string }>();
    for (const expected of Object.values(EXPECTED)) {
      const { type, status, title } = expected.make();
      byType.set(type, byType.get(type) ?? { status, title });
      expect({ status, title }, type).toEqual(byType.get(type));
    }
  });

  it('keeps the names Step Functions matches on, and the message it records', () => {
    expect(new TransientError('The model is busy.')).toMatchObject({
      name: 'TransientError',
      message: 'The model is busy.',
    });
    expect(new DocumentRejectedError('Not a PDF.')).toMatchObject({ name: 'DocumentRejected', message: 'Not a PDF.' });
    expect(new InvalidStepInputError('No upload.')).toMatchObject({ name: 'InvalidStepInput', message: 'No upload.' });
  });

  it('takes the detail first, then the retry delay, for every error that carries one', () => {
    for (const error of [
      new RateLimitedError('Slow down.', 2.5),
      new ServiceUnavailableError('Slow down.', 2.5),
      new GatewayTimeoutError('Slow down.', 2.5),
    ]) {
      expect(error.detail, error.name).toBe('Slow down.');
      expect(error.headers['Retry-After'], error.name).toBe('3');
    }
    expect(new RateLimitedError('x', 0.2).retryAfterSeconds).toBe(1);
  });

  it('answers a corrupt job item like any unexpected error, and names the job only in the log', () => {
    const corrupt = new CorruptJobError('job-1', new Error('schema'));
    expect(toProblem(corrupt)).toEqual(toProblem(new core.InternalError()));
    expect(corrupt.detail).toBe(INTERNAL_ERROR_DETAIL);
    expect(corrupt.message).toBe('job job-1: stored item does not match the job schema');
    expect(corrupt.cause).toEqual(new Error('schema'));
  });
});
