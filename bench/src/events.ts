import type { APIGatewayProxyEventV2 } from 'aws-lambda';

export interface EventRequest {
  method: string;
  path: string;
  /** The manifest route key, e.g. `GET /catalog/{id}`. */
  routeKey: string;
  pathParameters?: Record<string, string>;
  headers?: Record<string, string>;
}

/**
 * An HTTP API payload-v2 event shaped like the ones API Gateway (and toolgate's local gateway) hand a tier's
 * Lambda, so that `handle(app)` does the same conversion work it does when deployed.
 */
export function httpEvent(request: EventRequest): APIGatewayProxyEventV2 {
  const now = Date.now();
  return {
    version: '2.0',
    routeKey: request.routeKey,
    rawPath: request.path,
    rawQueryString: '',
    headers: {
      accept: 'application/json',
      host: 'bench.execute-api.us-east-1.amazonaws.com',
      'user-agent': 'toolgate-bench',
      'x-forwarded-for': '203.0.113.7',
      'x-forwarded-proto': 'https',
      'x-forwarded-port': '443',
      ...request.headers,
    },
    requestContext: {
      accountId: '000000000000',
      apiId: 'bench',
      domainName: 'bench.execute-api.us-east-1.amazonaws.com',
      domainPrefix: 'bench',
      http: {
        method: request.method,
        path: request.path,
        protocol: 'HTTP/1.1',
        sourceIp: '203.0.113.7',
        userAgent: 'toolgate-bench',
      },
      requestId: 'bench-request',
      routeKey: request.routeKey,
      stage: '$default',
      time: new Date(now).toUTCString(),
      timeEpoch: now,
    },
    ...(request.pathParameters ? { pathParameters: request.pathParameters } : {}),
    isBase64Encoded: false,
  };
}
