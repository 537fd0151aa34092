/**
 * The answers API Gateway gives by itself, before or instead of a Lambda: `application/json` bodies of exactly
 * `{"message":"..."}`, never Problem objects. One row per status, read by the OpenAPI generator. The local gateway
 * gives the same answers (packages/local/src/gateway/responses.ts); a test in tests/contract.test.ts fails when the
 * two disagree, so a status the gateway adds or changes is documented here.
 */
export interface GatewayAnswer {
  status: number;
  message: string;
  /**
   * Who can receive it: a request to any route, to a route behind the JWT authorizer, or one that matches no route
   * (the body size is checked before routing).
   */
  on: readonly ('every-route' | 'jwt-routes' | 'no-route')[];
  when: string;
}

export const GATEWAY_ANSWERS: readonly GatewayAnswer[] = [
  {
    status: 401,
    message: 'Unauthorized',
    on: ['jwt-routes'],
    when: 'the JWT authorizer refused the token (missing, malformed, expired, wrong issuer or audience)',
  },
  { status: 403, message: 'Forbidden', on: ['jwt-routes'], when: 'the token has none of the scopes the route accepts' },
  { status: 404, message: 'Not Found', on: ['no-route'], when: 'no route matches the method and path' },
  {
    status: 413,
    message: 'Request Entity Too Large',
    on: ['every-route', 'no-route'],
    when: 'the request body is over 10 MB',
  },
  { status: 429, message: 'Too Many Requests', on: ['every-route'], when: 'stage or route throttling' },
  {
    status: 500,
    message: 'Internal Server Error',
    on: ['every-route'],
    when: 'the function failed (it crashed, or returned a malformed response)',
  },
  {
    status: 503,
    message: 'Service Unavailable',
    on: ['every-route'],
    when: "the function did not answer within 30 s, or its tier's reserved concurrency is in use",
  },
];
