import type * as z from '../zod';

/** A response of one route, for the OpenAPI document. */
export interface ResponseDoc {
  description: string;
  /** Omitted for responses without a body. */
  schema?: z.core.$ZodType;
  /** Defaults to application/json; several when the route answers in more than one (the same schema each). */
  contentType?: string | readonly string[];
}

/**
 * What the OpenAPI document says about one manifest route, built from the same zod schemas the handlers
 * validate with. Method, path, tier, auth and summary come from the manifest entry itself; common error answers
 * (401/403/429/500, 400 for routes with input) are added by the generator from the route's auth.
 */
export interface RouteDoc {
  tags: string[];
  description?: string;
  params?: z.core.$ZodObject;
  query?: z.core.$ZodObject;
  /** An application/json request body. */
  body?: z.core.$ZodType;
  bodyRequired?: boolean;
  /** Success responses, and route-specific errors (404, 409, 405, 415, ...). */
  responses: Record<number, ResponseDoc>;
}
