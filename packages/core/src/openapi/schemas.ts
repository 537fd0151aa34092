import { PlanSchema } from '../plans';
import * as z from '../zod';

/** RFC 9457 problem details, as every error answer of this API is shaped. */
export const ProblemSchema = z
  .looseObject({
    type: z.string().check(z.describe('urn:toolgate:problem:<slug>')),
    title: z.string(),
    status: z.int(),
    detail: z.optional(z.string()),
    instance: z.optional(z.string()),
    errors: z
      .optional(
        z.array(
          z.object({
            field: z.string().check(z.describe('e.g. body.message, query.limit, input.id')),
            message: z.string(),
          }),
        ),
      )
      .check(z.describe('For 400 validation problems: every offending field')),
  })
  // The id makes it one `Problem` component in the OpenAPI document, referenced by every error answer.
  .check(z.meta({ id: 'Problem' }));

export const HealthSchema = z.object({ status: z.literal('ok') });

export const MeSchema = z.object({
  sub: z.string(),
  plan: PlanSchema,
  scopes: z.array(z.string()),
  clientId: z.string(),
});
