import type { Caller } from '@toolgate/core/auth/verifier';
import type { RouteSpec } from '@toolgate/core/manifest';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { LambdaContext, LambdaEvent } from 'hono/aws-lambda';

/** Hono environment shared by every tier app. */
export interface AppEnv {
  Bindings: { event?: LambdaEvent; lambdaContext?: LambdaContext };
  Variables: {
    requestId: string;
    /** The manifest entry the guard matched; set before any handler runs. */
    route: RouteSpec;
    /** Set by the guard for `jwt` routes only, from the verified token — never from the event's authorizer claims. */
    caller: Caller;
    logger: Logger;
  };
}
