import type * as z from '../zod';

/** A response of one route, for the OpenAPI document. */
export interface ResponseDoc {
  description: string;
  /** Omitted for responses without a body. */
  schema?: z.core.$ZodType;
  /** Defaults to application/json; several when the route answers in more than one (the same schema each). */
  contentType?: string | readonly string[];
  /** Response headers worth a client's attention, by name: their descriptions (string values). */
  headers?: Record<string, string>;
  /** Other media types the same status answers in, each with its own schema (e.g. a text/event-stream). */
  variants?: readonly { contentType: string; schema: z.core.$ZodType }[];
}

/**
 * What the OpenAPI document says about one manifest route, built from the same zod schemas the handlers
 * validate with. Method, path, tier, auth and summary come from the manifest entry itself; common error answers
 * (401/403/429/500, 400 for routes with input) are added by the generator from the route's auth, and API
 * Gateway's own answers (`./gateway.ts`) from the route's auth too.
 */
export interface RouteDoc {
  tags: string[];
  description?: string;
  params?: z.core.$ZodObject;
  query?: z.core.$ZodObject;
  /** Request headers the route reads (e.g. `Stripe-Signature`), one field each. */
  headers?: z.core.$ZodObject;
  /** The request body (application/json unless `bodyContentType` says otherwise). */
  body?: z.core.$ZodType;
  bodyContentType?: string;
  bodyRequired?: boolean;
  /** A cap the route puts on its body below the gateway's 10 MB (a bigger body is a 413). */
  maxBodyBytes?: number;
  /**
   * `false` when the route answers invalid input in its own format (given in `responses`), not as the 400 Problem
   * every other route with input sends.
   */
  inputProblems?: false;
  /** Success responses, and route-specific errors (404, 409, 405, 415, ...). */
  responses: Record<number, ResponseDoc>;
}
