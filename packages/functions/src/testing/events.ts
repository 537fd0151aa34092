import { systemClock } from '@toolgate/core/clock';
import type { Context } from 'aws-lambda';
import type { LambdaEvent } from 'hono/aws-lambda';

/** A payload-v2 event as API Gateway HTTP API would send it (or as anyone with lambda:Invoke could forge it). */
export function apiGatewayEvent(
  method: string,
  rawPath: string,
  options: {
    headers?: Record<string, string>;
    query?: string;
    body?: string;
    isBase64Encoded?: boolean;
    claims?: Record<string, string>;
    routeKey?: string;
    /** When the gateway received the request; the handlers' default clock (the system clock) unless given. */
    timeEpoch?: number;
  } = {},
): LambdaEvent {
  const now = options.timeEpoch ?? systemClock();
  const event = {
    version: '2.0',
    routeKey: options.routeKey ?? `${method} ${rawPath}`,
    rawPath,
    rawQueryString: options.query ?? '',
    headers: { host: 'api.example.com', ...options.headers },
    ...(options.query ? { queryStringParameters: Object.fromEntries(new URLSearchParams(options.query)) } : {}),
    body: options.body ?? null,
    isBase64Encoded: options.isBase64Encoded ?? false,
    requestContext: {
      accountId: '123456789012',
      apiId: 'forged',
      domainName: 'api.example.com',
      domainPrefix: 'api',
      http: { method, path: rawPath, protocol: 'HTTP/1.1', sourceIp: '203.0.113.9', userAgent: 'test' },
      requestId: `req-${now}-${Math.random().toString(36).slice(2)}`,
      routeKey: options.routeKey ?? `${method} ${rawPath}`,
      stage: '$default',
      time: new Date(now).toUTCString(),
      timeEpoch: now,
      ...(options.claims ? { authorizer: { jwt: { claims: options.claims, scopes: null } } } : {}),
    },
  };
  return event as unknown as LambdaEvent;
}

export const lambdaContext = (functionName = 'toolgate-test'): Context =>
  ({
    callbackWaitsForEmptyEventLoop: true,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:us-east-1:123456789012:function:${functionName}`,
    memoryLimitInMB: '1024',
    awsRequestId: crypto.randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'test',
    getRemainingTimeInMillis: () => 30_000,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  }) as Context;
