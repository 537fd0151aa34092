import * as z from './zod';

/**
 * The correlation id of a piece of work: the API Gateway request id (`requestContext.requestId`) of the request
 * that started it (`POST /jobs`, `POST /uploads/{id}/complete`). It is stored with the job or upload, travels as the
 * SQS message attribute `correlationId` and in the ingestion workflow's input, and every log line of the work
 * carries it as `correlation_id`. Never read from a client header: a client must not be able to choose it.
 * Bounded and plain (HTTP API request ids are base64, `JgDSyjmuoAMEJzw=`), because it ends up in log lines.
 */
export const CorrelationIdSchema = z
  .string()
  .check(z.regex(/^[A-Za-z0-9+/=_.:-]{1,128}$/), z.describe('The request id of the request that started this work'));

/** The value when it is a valid correlation id, else undefined (it only labels log lines: never an error). */
export function correlationIdOf(value: unknown): string | undefined {
  const parsed = CorrelationIdSchema.safeParse(value);
  return parsed.success ? parsed.data : undefined;
}

/** The SQS message attribute that carries it. */
export const CORRELATION_ATTRIBUTE = 'correlationId';
