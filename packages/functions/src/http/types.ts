import type { Logger } from '@aws-lambda-powertools/logger';
import type { Caller } from '@toolgate/core/auth/verifier';
import type { RouteSpec } from '@toolgate/core/manifest';
import type { Plan } from '@toolgate/core/plans';
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
    /**
     * Set by the guard for `stripe-signature` routes only: the body, parsed after its signature verified over the
     * raw bytes. Still untyped: the route validates its shape.
     */
    webhookEvent: unknown;
    /**
     * Set by the per-plan rate limit on `jwt` routes: the caller's plan, read from our records (never the token) by
     * the limiter, so that a route needing it does not read the same user again.
     */
    plan: Plan | undefined;
    logger: Logger;
  };
}
