import * as z from 'zod';
import { PlanSchema } from '../plans';

/** RFC 9457 problem details, as every error answer of this API is shaped. */
export const ProblemSchema = z
  .object({
    type: z.string().describe('urn:toolgate:problem:<slug>'),
    title: z.string(),
    status: z.number().int(),
    detail: z.string().optional(),
    instance: z.string().optional(),
    errors: z
      .array(z.object({ field: z.string().describe('e.g. body.message, query.limit, input.id'), message: z.string() }))
      .optional()
      .describe('For 400 validation problems: every offending field'),
  })
  .loose()
  // The id makes it one `Problem` component in the OpenAPI document, referenced by every error answer.
  .meta({ id: 'Problem' });

export const HealthSchema = z.object({ status: z.literal('ok') });

export const MeSchema = z.object({
  sub: z.string(),
  plan: PlanSchema,
  scopes: z.array(z.string()),
  clientId: z.string(),
});
