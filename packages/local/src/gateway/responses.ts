import { randomBytes } from 'node:crypto';

/** API Gateway's own answers: `application/json` bodies of exactly `{"message":"..."}`. */
export const GATEWAY_MESSAGES = {
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  413: 'Request Entity Too Large',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
} as const;
export type GatewayStatus = keyof typeof GATEWAY_MESSAGES;

export interface HttpResponse {
  statusCode: number;
  /** Ordered name/value pairs; a name may repeat (multi-value headers). */
  headers: [string, string][];
  cookies: string[];
  body: Buffer;
}

export function gatewayAnswer(status: GatewayStatus, headers: [string, string][] = []): HttpResponse {
  return {
    statusCode: status,
    // API Gateway's own answers carry no nosniff; the local gateway adds it so that every local answer has it.
    headers: [['content-type', 'application/json'], ['x-content-type-options', 'nosniff'], ...headers],
    cookies: [],
    body: Buffer.from(JSON.stringify({ message: GATEWAY_MESSAGES[status] })),
  };
}

/** Same shape as API Gateway's `apigw-requestid` values (e.g. `Mc7UVioPPHcEKPA=`). */
export function newRequestId(): string {
  return randomBytes(11).toString('base64');
}
