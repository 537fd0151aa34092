import { deployedApiSplit } from '../packages/core/src/concurrency';
import { accessLogFormat, corsPolicy, gatewayRoutes, routeThrottleSettings } from '../packages/core/src/deploy/gateway';
import { type HttpTier, streamRoutes } from '../packages/core/src/manifest';
import { identity } from './auth';
import { tierFunction } from './functions';
import { jobsQueue, jobsQueueLink } from './jobs';
import { settings } from './stage';
import { ingestion, ingestionLink } from './workflows';

/**
 * The HTTP API. Every route comes from the route manifest (packages/core/src/manifest) through `gatewayRoutes`:
 * `jwt` routes get the JWT authorizer and their scopes, and a route is open only because the manifest says so.
 */
const routes = gatewayRoutes(settings.throttling);
const cors = corsPolicy(settings);

// One function per tier; every route of a tier points at its tier's function by ARN, so one tier is one Lambda
// with one reserved concurrency (a handler string per route would create a Lambda per route).
const apiArgs = { jobsQueueArn: jobsQueue.arn, ingestionArn: ingestion.arn, link: [jobsQueueLink, ingestionLink] };
const split = deployedApiSplit(settings.reservedConcurrency, streamRoutes().length > 0);
const functions: Record<HttpTier, sst.aws.Function> = {
  public: tierFunction('public'),
  api: tierFunction('api', { ...apiArgs, ...(split ? { reserved: split.buffered } : {}) }),
  webhook: tierFunction('webhook'),
};

/**
 * The chat stream (docs/adr/0003-streaming.md): the HTTP API cannot stream, so the manifest's `stream` routes are also
 * served by the api tier's code behind a Function URL in RESPONSE_STREAM mode. Auth NONE at the URL: the Lambda
 * verifies the bearer JWT itself, as every tier does (no claim from outside is trusted), applies the same per-plan
 * limits, and answers 404 to any route that does not declare `stream`. Its reserved concurrency is its share of the
 * api tier's, so a flood of streams cannot take the executions the buffered api routes keep.
 */
export const chatStream =
  streamRoutes().length > 0
    ? tierFunction('api', {
        ...apiArgs,
        ...(split ? { reserved: split.stream } : {}),
        stream: {
          url: {
            authorization: 'none',
            cors: cors
              ? {
                  allowOrigins: cors.allowOrigins,
                  allowMethods: [...new Set(streamRoutes().map((route) => route.method))],
                  allowHeaders: cors.allowHeaders,
                  exposeHeaders: cors.exposeHeaders,
                  allowCredentials: cors.allowCredentials,
                  maxAge: `${cors.maxAgeSeconds} seconds`,
                }
              : false,
          },
        },
      })
    : undefined;

/**
 * Per-route throttles live in the stage's RouteSettings, and API Gateway rejects RouteSettings that name a route
 * which does not exist yet. SST creates the stage in the API's constructor, before any route, so the stage waits
 * for this promise, resolved with the routes once they are declared below: the stage is created after them.
 */
let routesDeclared!: (routes: $util.Input<$util.Resource>[]) => void;
const allRoutes = new Promise<$util.Input<$util.Resource>[]>((resolve) => {
  routesDeclared = resolve;
});

export const api = new sst.aws.ApiGatewayV2('Api', {
  // Exact origins from the stage settings; no credentials (bearer tokens, not cookies); none at all if no origin.
  cors: cors
    ? {
        allowOrigins: cors.allowOrigins,
        allowMethods: cors.allowMethods,
        allowHeaders: cors.allowHeaders,
        exposeHeaders: cors.exposeHeaders,
        allowCredentials: cors.allowCredentials,
        maxAge: `${cors.maxAgeSeconds} seconds`,
      }
    : false,
  domain: settings.apiDomain
    ? settings.apiDomain.certificateArn
      ? { name: settings.apiDomain.name, dns: false, cert: settings.apiDomain.certificateArn }
      : settings.apiDomain.name
    : undefined,
  accessLog: { retention: '1 month' },
  transform: {
    stage: (args, opts) => {
      // The default throttle of each route; routes without an authorizer get a tighter one of their own.
      // Detailed metrics: the per-route 4xx/5xx/latency the dashboard and the route 5xx alarms read (a route's own
      // settings replace the default ones, so each carries it too). Billed as custom metrics: docs/observability.md.
      args.defaultRouteSettings = {
        throttlingRateLimit: settings.throttling.stage.rateLimit,
        throttlingBurstLimit: settings.throttling.stage.burstLimit,
        detailedMetricsEnabled: true,
      };
      args.routeSettings = routeThrottleSettings(routes).map((route) => ({ ...route, detailedMetricsEnabled: true }));
      args.accessLogSettings = $output(args.accessLogSettings).apply((log) => ({
        destinationArn: log?.destinationArn ?? '',
        format: accessLogFormat(),
      }));
      opts.dependsOn = allRoutes;
    },
  },
});

const authorizer = api.addAuthorizer({
  name: 'jwt',
  jwt: { issuer: identity.issuer, audiences: identity.audiences },
});

const declared = routes.map((route) =>
  api.route(route.key, functions[route.tier].arn, {
    auth: route.authorizerScopes
      ? { jwt: { authorizer: authorizer.id, scopes: [...route.authorizerScopes] } }
      : // Open by the manifest's written reason (a public or a Stripe-signed route), never by default.
        false,
  }),
);
routesDeclared(declared.map((route) => route.nodes.route));
