export {
  type AuthorizerDecision,
  createJwtAuthorizer,
  type JwtAuthorizer,
  type JwtAuthorizerConfig,
} from './authorizer';
export { ConcurrencyLimiter, createTierLimiters } from './concurrency';
export { type CorsConfig, createCors } from './cors';
export { buildEvent, type EventInput, type JwtAuthorizerContext } from './event';
export { GATEWAY_MESSAGES, type GatewayStatus } from './responses';
export { LAMBDA_MAX_RESPONSE_BYTES, toHttpResponse } from './result';
export { type LocalGateway, type LocalGatewayOptions, startLocalGateway } from './server';
export { GatewayThrottle, TokenBucket } from './throttle';
export type { AccessLogEntry, LambdaHandler, ObservedResponse, TierHandlers } from './types';
