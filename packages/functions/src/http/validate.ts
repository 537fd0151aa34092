import { type FieldIssue, ValidationError } from '@toolgate/core/errors';
import * as z from '@toolgate/core/zod';

export type Source = 'query' | 'path' | 'body' | 'header';

export function issuesOf(error: z.core.$ZodError, source: Source): FieldIssue[] {
  return error.issues.map((issue) => ({
    field: [source, ...issue.path.map(String)].join('.'),
    message: issue.message,
  }));
}

/** Parses one input with a zod schema; a failure is a 400 naming each offending field (`query.limit`). */
export function parseInput<S extends z.core.$ZodType>(schema: S, input: unknown, source: Source): z.output<S> {
  const result = z.safeParse(schema, input);
  if (!result.success) throw new ValidationError(issuesOf(result.error, source));
  return result.data;
}

/**
 * Query strings as a record, rejecting repeated keys: `?limit=1&limit=2` is ambiguous, and silently taking one
 * value hides client bugs.
 */
export function singleValuedQuery(all: Record<string, string[]>): Record<string, string> {
  const query: Record<string, string> = {};
  const repeated: FieldIssue[] = [];
  for (const [key, values] of Object.entries(all)) {
    if (values.length > 1) repeated.push({ field: `query.${key}`, message: 'must be given once' });
    else if (values[0] !== undefined) query[key] = values[0];
  }
  if (repeated.length > 0) throw new ValidationError(repeated);
  return query;
}
