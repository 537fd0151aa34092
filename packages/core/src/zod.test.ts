import { describe, expect, it } from 'vitest';
import * as z from './zod';

describe('zod (zod/mini through ./zod)', () => {
  it('names what is wrong in English: mini alone answers "Invalid input" for everything', () => {
    const schema = z.object({ name: z.string().check(z.minLength(2)), count: z.int() });
    const result = schema.safeParse({ name: 'x', count: 'three' });
    expect(result.error?.issues.map((issue) => [issue.path.join('.'), issue.message])).toEqual([
      ['name', 'Too small: expected string to have >=2 characters'],
      ['count', 'Invalid input: expected number, received string'],
    ]);
  });
});
