import { describe, expect, it } from 'vitest';
import {
  checkBudget,
  DEFAULT_ACCOUNT_GATEWAY_RPS,
  DEFAULT_ACCOUNT_LIMIT,
  DEFAULT_CONCURRENCY_BUDGET,
  DEFAULT_GATEWAY_THROTTLING,
  GATEWAY_LIMITS,
  TIERS,
  UNRESERVED_MINIMUM,
} from '../concurrency';
import { AWS_CLIENT_POLICIES, type AwsService, worstCaseCallMs } from '../data/aws-client-config';
import { manifest, type RouteSpec, routeKey } from '../manifest';
import { JOBS_QUEUE, WORKER_TIMEOUT_SECONDS } from '../resources';
import { ALL_SCOPES } from '../scopes';
import { CATALOG_LEADING_KEYS, iamStatements, modelStatements, TIER_ACCESS, TIER_RUNTIME } from './access';
import { cognitoEmailConfiguration } from './email';
import {
  ACCESS_LOG_FORMAT,
  accessLogFormat,
  corsPolicy,
  gatewayRateDemand,
  gatewayRoutes,
  routeThrottleSettings,
} from './gateway';
import {
  assertStageSettings,
  DEFAULT_STAGE,
  functionName,
  RESERVED_CONCURRENCY_ENV,
  resolveStage,
  STAGES,
  TEARDOWN_BACKUP_ENV,
  tableName,
  teardownProblems,
} from './stages';

/**
 * The policies infra deploys, checked on the data infra consumes (no SST needed): these are the tests
 * docs/adr/0001-api-gateway.md names as the enforcement of each rule.
 */

const routes = gatewayRoutes(DEFAULT_GATEWAY_THROTTLING);

describe('gateway routes from the manifest', () => {
  it('creates exactly one gateway route per manifest route', () => {
    expect(routes.map((route) => route.key)).toEqual(manifest.map(routeKey));
    expect(new Set(routes.map((route) => route.key)).size).toBe(manifest.length);
  });

  it('attaches the JWT authorizer with the manifest scopes to every jwt route', () => {
    for (const [index, spec] of manifest.entries()) {
      const route = routes[index]!;
      if (spec.auth.kind === 'jwt') {
        expect(route.authorizerScopes, route.key).toEqual(spec.auth.scopes);
        expect(route.authorizerScopes!.length, route.key).toBeGreaterThan(0);
        for (const scope of route.authorizerScopes!) expect(ALL_SCOPES, route.key).toContain(scope);
      } else {
        // Open at the gateway only because the manifest says so, with a written reason.
        expect(route.authorizerScopes, route.key).toBeNull();
      }
    }
  });

  it('opens only routes with a written reason, and only in the public or webhook tier', () => {
    const open = manifest.filter((spec) => spec.auth.kind !== 'jwt');
    for (const spec of open) {
      const key = routeKey(spec);
      expect(spec.auth.kind === 'jwt' ? '' : spec.auth.reason.trim().length, key).toBeGreaterThanOrEqual(10);
      expect(['public', 'webhook'], key).toContain(spec.tier);
      if (spec.auth.kind === 'public') expect(spec.tier, key).toBe('public');
      if (spec.auth.kind === 'stripe-signature') expect(spec.tier, key).toBe('webhook');
    }
    for (const route of routes.filter((r) => r.authorizerScopes === null)) {
      expect(['public', 'webhook'], route.key).toContain(route.tier);
    }
  });

  it('keeps the authorizer on a jwt route whatever tier mistakes a future manifest makes', () => {
    // A route the types would reject, built by hand: the mapping must still not drop the authorizer.
    const sneaky = { method: 'GET', path: '/x', tier: 'public', auth: { kind: 'jwt', scopes: ['toolgate/chat'] } };
    const [route] = gatewayRoutes(DEFAULT_GATEWAY_THROTTLING, [sneaky as unknown as RouteSpec]);
    expect(route?.authorizerScopes).toEqual(['toolgate/chat']);
  });

  it('throttles every open route tighter than the stage, and names only existing routes in RouteSettings', () => {
    const { stage, publicRoutes } = DEFAULT_GATEWAY_THROTTLING;
    expect(publicRoutes.rateLimit).toBeLessThan(stage.rateLimit);
    expect(publicRoutes.burstLimit).toBeLessThan(stage.burstLimit);
    for (const route of routes) {
      expect(route.throttle, route.key).toEqual(route.authorizerScopes === null ? publicRoutes : null);
    }
    const settings = routeThrottleSettings(routes);
    const keys = new Set(routes.map((route) => route.key));
    for (const setting of settings) expect(keys).toContain(setting.routeKey);
    expect(settings).toHaveLength(routes.filter((route) => route.authorizerScopes === null).length);
  });

  it(`keeps the sum of every route's throttle under the account's ${DEFAULT_ACCOUNT_GATEWAY_RPS} rps, on every stage`, () => {
    for (const stage of ['dev', ...Object.keys(STAGES)]) {
      const { throttling } = resolveStage(stage);
      const jwt = manifest.filter((route) => route.auth.kind === 'jwt').length;
      const open = manifest.length - jwt;
      const demand = gatewayRateDemand(throttling);
      expect(demand, stage).toBe(jwt * throttling.stage.rateLimit + open * throttling.publicRoutes.rateLimit);
      expect(demand, stage).toBeLessThanOrEqual(DEFAULT_ACCOUNT_GATEWAY_RPS);
      // A single route's burst must fit in the account's bucket (5,000 by default) too.
      expect(throttling.stage.burstLimit, stage).toBeLessThanOrEqual(DEFAULT_ACCOUNT_GATEWAY_RPS / 2);
    }
  });
});

describe('concurrency budget', () => {
  it(`leaves at least ${UNRESERVED_MINIMUM} unreserved executions in an account with the default limit of ${DEFAULT_ACCOUNT_LIMIT}`, () => {
    const check = checkBudget(DEFAULT_CONCURRENCY_BUDGET, DEFAULT_ACCOUNT_LIMIT);
    expect(check.problems).toEqual([]);
    expect(check.unreservedLeft).toBeGreaterThanOrEqual(UNRESERVED_MINIMUM);
  });

  it('gives the public tier less concurrency than the api tier', () => {
    expect(DEFAULT_CONCURRENCY_BUDGET.public).toBeLessThan(DEFAULT_CONCURRENCY_BUDGET.api);
  });

  it('holds for every configured stage that reserves concurrency', () => {
    for (const stage of ['dev', ...Object.keys(STAGES)]) {
      const { reservedConcurrency } = resolveStage(stage);
      if (reservedConcurrency === 'off') continue;
      expect(checkBudget(reservedConcurrency, DEFAULT_ACCOUNT_LIMIT).problems, stage).toEqual([]);
    }
  });

  it('does not fit a new account (limit 10), which is why the off switch exists', () => {
    expect(checkBudget(DEFAULT_CONCURRENCY_BUDGET, 10).ok).toBe(false);
    expect(resolveStage('dev', { [RESERVED_CONCURRENCY_ENV]: 'off' }).reservedConcurrency).toBe('off');
    expect(() => resolveStage('dev', { [RESERVED_CONCURRENCY_ENV]: '0' })).toThrow(/only be "off"/);
  });
});

describe('least privilege per tier', () => {
  const targets = {
    accountId: '123456789012',
    region: 'us-east-1',
    tableArn: 'arn:aws:dynamodb:us-east-1:123456789012:table/toolgate-dev',
    bucketArn: 'arn:aws:s3:::toolgate-dev-uploads',
    jobsQueueArn: 'arn:aws:sqs:us-east-1:123456789012:toolgate-dev-Jobs',
    ingestionArn: 'arn:aws:states:us-east-1:123456789012:stateMachine:toolgate-dev-Ingestion',
  };
  const statements = Object.fromEntries(TIERS.map((tier) => [tier, iamStatements(tier, targets)]));
  const actionsOf = (tier: string) => statements[tier]!.flatMap((statement) => statement.actions);

  it('never grants a wildcard action, and scopes every resource', () => {
    for (const tier of TIERS) {
      for (const statement of statements[tier]!) {
        for (const action of statement.actions) expect(action, tier).not.toMatch(/\*/);
        for (const resource of statement.resources) expect(resource, tier).not.toBe('*');
      }
    }
  });

  it('lets the public tier only read the table: no writes, no objects, no queue, no workflow, no models', () => {
    expect(actionsOf('public').sort()).toEqual(['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:Query']);
  });

  it('lets the public tier read only catalog partitions (dynamodb:LeadingKeys), on the table and on the index', () => {
    const [table, index] = statements.public!;
    expect(table).toMatchObject({
      resources: [targets.tableArn],
      conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['PRODUCT#*'] } },
    });
    // A Query on an index is authorized on the index ARN against the index's partition key value (gsi1pk).
    expect(index).toMatchObject({
      actions: ['dynamodb:Query'],
      resources: [`${targets.tableArn}/index/*`],
      conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['CATALOG'] } },
    });
    // The values the catalog repository really uses, and none a user's key could match (USER#<sub>, DOCS#<sub>).
    const matches = (patterns: readonly string[], value: string) =>
      patterns.some((pattern) =>
        new RegExp(`^${pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`).test(value),
      );
    expect(matches(CATALOG_LEADING_KEYS.table, 'PRODUCT#p-1')).toBe(true);
    expect(matches(CATALOG_LEADING_KEYS.index, 'CATALOG')).toBe(true);
    for (const userKey of ['USER#alice', 'DOCS#alice', 'LIMIT#alice']) {
      expect(matches(CATALOG_LEADING_KEYS.table, userKey), userKey).toBe(false);
      expect(matches(CATALOG_LEADING_KEYS.index, userKey), userKey).toBe(false);
    }
    // Every other tier keeps its whole-table access (they write per-user items under the verified sub).
    for (const tier of TIERS.filter((t) => t !== 'public')) {
      for (const statement of statements[tier]!) expect(statement.conditions, tier).toBeUndefined();
    }
  });

  it('grants the configured Bedrock model only, partition-aware, to invoke it (streamed or not) only', () => {
    const models = (tier: string) => statements[tier]!.filter((s) => s.actions.some((a) => a.startsWith('bedrock:')));
    for (const tier of ['api', 'worker', 'steps']) {
      expect(models(tier), tier).toEqual([
        {
          actions: ['bedrock:InvokeModel', 'bedrock:InvokeModelWithResponseStream'],
          resources: ['arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-lite-v1:0'],
        },
      ]);
    }
    const china = { ...targets, partition: 'aws-cn', region: 'cn-north-1' };
    expect(
      modelStatements({ ...china, model: { provider: 'bedrock', modelId: 'amazon.titan-text-express-v1' } }),
    ).toEqual([
      {
        actions: ['bedrock:InvokeModel', 'bedrock:InvokeModelWithResponseStream'],
        resources: ['arn:aws-cn:bedrock:cn-north-1::foundation-model/amazon.titan-text-express-v1'],
      },
    ]);
    // A model in another region than the stage's is granted where it is called.
    expect(
      modelStatements({
        ...targets,
        model: { provider: 'bedrock', modelId: 'amazon.nova-pro-v1:0', region: 'eu-west-1' },
      })[0]?.resources,
    ).toEqual(['arn:aws:bedrock:eu-west-1::foundation-model/amazon.nova-pro-v1:0']);
  });

  it('grants an inference profile and, only through it, its model in the Regions it routes to', () => {
    const profile = 'arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-sonnet-4-v1:0';
    expect(
      modelStatements({ ...targets, model: { provider: 'bedrock', modelId: 'us.anthropic.claude-sonnet-4-v1:0' } }),
    ).toEqual([
      { actions: ['bedrock:InvokeModel', 'bedrock:InvokeModelWithResponseStream'], resources: [profile] },
      {
        actions: ['bedrock:InvokeModel', 'bedrock:InvokeModelWithResponseStream'],
        resources: ['arn:aws:bedrock:us-*::foundation-model/anthropic.claude-sonnet-4-v1:0'],
        conditions: { StringEquals: { 'bedrock:InferenceProfileArn': [profile] } },
      },
    ]);
    const eu = modelStatements({
      ...targets,
      region: 'eu-central-1',
      model: { provider: 'bedrock', modelId: 'eu.amazon.nova-lite-v1:0' },
    });
    expect(eu[1]?.resources).toEqual(['arn:aws:bedrock:eu-*::foundation-model/amazon.nova-lite-v1:0']);
    const global = modelStatements({
      ...targets,
      model: { provider: 'bedrock', modelId: 'global.amazon.nova-2-lite-v1:0' },
    });
    expect(global[1]?.resources).toEqual([
      'arn:aws:bedrock:*::foundation-model/amazon.nova-2-lite-v1:0',
      'arn:aws:bedrock:::foundation-model/amazon.nova-2-lite-v1:0',
    ]);
    const govCloud = modelStatements({
      ...targets,
      partition: 'aws-us-gov',
      region: 'us-gov-west-1',
      model: { provider: 'bedrock', modelId: 'us-gov.amazon.nova-lite-v1:0' },
    });
    expect(govCloud[1]?.resources).toEqual(['arn:aws-us-gov:bedrock:us-gov-*::foundation-model/amazon.nova-lite-v1:0']);
  });

  it('gives no Bedrock access to a stage whose model is not Bedrock, and refuses what it cannot scope', () => {
    expect(modelStatements({ ...targets, model: { provider: 'dev' } })).toEqual([]);
    expect(
      modelStatements({
        ...targets,
        model: { provider: 'openai', baseUrl: 'https://api.openai.com/v1', modelId: 'x' },
      }),
    ).toEqual([]);
    expect(() => modelStatements({ ...targets, region: undefined })).toThrow(/stage region/);
    expect(() =>
      modelStatements({
        ...targets,
        model: {
          provider: 'bedrock',
          modelId: 'arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/x',
        },
      }),
    ).toThrow(/not an ARN/);
  });

  it('scopes object access to users/* and keeps the webhook tier away from objects and models', () => {
    for (const tier of TIERS) {
      for (const statement of statements[tier]!.filter((s) => s.actions.some((a) => a.startsWith('s3:')))) {
        expect(statement.resources, tier).toEqual([`${targets.bucketArn}/users/*`]);
      }
    }
    expect(actionsOf('webhook').filter((action) => !action.startsWith('dynamodb:'))).toEqual([]);
  });

  it('lets only the worker consume the queue and only the api tier send jobs and start ingestion', () => {
    for (const tier of TIERS) {
      const actions = actionsOf(tier);
      expect(actions.includes('sqs:ReceiveMessage'), tier).toBe(tier === 'worker');
      expect(actions.includes('sqs:SendMessage'), tier).toBe(tier === 'api');
      expect(actions.includes('states:StartExecution'), tier).toBe(tier === 'api');
    }
  });

  it('fails the deploy when a tier needs a resource infra did not pass', () => {
    expect(() => iamStatements('api', { ...targets, jobsQueueArn: undefined })).toThrow(/jobs queue/);
    expect(TIER_ACCESS.api.jobsQueue).toContain('sqs:SendMessage');
  });
});

describe('timeouts', () => {
  it('stops HTTP tiers before the gateway gives up on them', () => {
    for (const tier of ['public', 'api', 'webhook'] as const) {
      expect(TIER_RUNTIME[tier].timeoutSeconds * 1000, tier).toBeLessThan(GATEWAY_LIMITS.integrationTimeoutMs);
    }
  });

  it('outlasts the worst case of every AWS client a tier uses, so a sick dependency ends as a 503/504, not a Lambda timeout', () => {
    for (const tier of TIERS) {
      const access = TIER_ACCESS[tier];
      const services: AwsService[] = [
        ...(access.table.length > 0 ? (['dynamodb'] as const) : []),
        ...(access.uploads.length > 0 ? (['s3'] as const) : []),
        ...(access.jobsQueue.length > 0 ? (['sqs'] as const) : []),
        ...(access.startIngestion ? (['sfn'] as const) : []),
      ];
      expect(services.length, tier).toBeGreaterThan(0);
      for (const service of services) {
        // Room for the rest of the request (init, the answer) once the call has failed.
        expect(worstCaseCallMs(AWS_CLIENT_POLICIES[service]) + 500, `${tier}: ${service}`).toBeLessThan(
          TIER_RUNTIME[tier].timeoutSeconds * 1000,
        );
      }
    }
  });

  it('keeps the jobs queue visibility timeout at least 6x the worker timeout', () => {
    expect(TIER_RUNTIME.worker.timeoutSeconds).toBe(WORKER_TIMEOUT_SECONDS);
    expect(JOBS_QUEUE.visibilityTimeoutSeconds).toBeGreaterThanOrEqual(6 * TIER_RUNTIME.worker.timeoutSeconds);
  });
});

describe('stage settings', () => {
  it('protects production (retain, PITR, deletion protection) and nothing else by default', () => {
    expect(resolveStage('production')).toMatchObject({ protect: true, retain: true });
    expect(resolveStage('dev')).toMatchObject({ protect: false, retain: false });
    expect(resolveStage('pr-123')).toEqual(DEFAULT_STAGE);
  });

  it('keeps retention separate from protection: a protected stage must retain, a retaining one need not be protected', () => {
    const production = resolveStage('production');
    expect(() => assertStageSettings('p', { ...production, retain: false })).toThrow(/must retain its data/);
    // The teardown path: protection off, data still retained (PITR, deletion protection, retained on remove).
    expect(() => assertStageSettings('p', { ...production, protect: false })).not.toThrow();
  });

  it('refuses `sst remove` of a retaining stage until an on-demand backup of its own table is named', () => {
    const backup = 'arn:aws:dynamodb:us-east-1:123456789012:table/toolgate-production/backup/01733300000000-abcd1234';
    expect(teardownProblems('production', {}).join('\n')).toContain(
      'aws dynamodb create-backup --table-name toolgate-production',
    );
    expect(teardownProblems('production', { [TEARDOWN_BACKUP_ENV]: backup })).toEqual([]);
    // Another stage's backup, or anything that is not a backup ARN, does not count.
    const other = backup.replace('toolgate-production', 'toolgate-dev');
    expect(teardownProblems('production', { [TEARDOWN_BACKUP_ENV]: other }).at(-1)).toContain('is not an on-demand');
    expect(teardownProblems('production', { [TEARDOWN_BACKUP_ENV]: 'yes' })).not.toEqual([]);
    // A stage that keeps nothing is removed whole, no backup asked.
    expect(teardownProblems('dev', {})).toEqual([]);
  });

  it('sends Cognito email through SES on protected stages (self sign-up is on, Cognito sends a few a day)', () => {
    const production = resolveStage('production');
    if (production.identity.kind !== 'cognito') throw new Error('production uses Cognito in this template');
    const email = production.identity.email;
    expect(email).toBeDefined();
    expect(
      cognitoEmailConfiguration(email!, { partition: 'aws', region: 'eu-west-1', accountId: '123456789012' }),
    ).toEqual({
      emailSendingAccount: 'DEVELOPER',
      sourceArn: `arn:aws:ses:eu-west-1:123456789012:identity/${email!.sesIdentity}`,
      fromEmailAddress: email!.from,
    });
    const { email: _, ...withoutEmail } = production.identity;
    expect(() => assertStageSettings('p', { ...production, identity: withoutEmail })).toThrow(/needs identity.email/);
    // An unprotected stage may keep Cognito's sender; a sender outside the SES identity is refused.
    expect(() => assertStageSettings('d', { ...DEFAULT_STAGE })).not.toThrow();
    const foreign = { ...production.identity, email: { from: 'a@elsewhere.example', sesIdentity: 'app.example.com' } };
    expect(() => assertStageSettings('p', { ...production, identity: foreign })).toThrow(/address of the SES identity/);
    expect(
      cognitoEmailConfiguration(
        { from: 'x@app.example.com', sesIdentity: 'app.example.com', sesRegion: 'us-east-1', configurationSet: 'cs' },
        { partition: 'aws-us-gov', region: 'us-gov-west-1', accountId: '123456789012' },
      ),
    ).toMatchObject({
      sourceArn: 'arn:aws-us-gov:ses:us-east-1:123456789012:identity/app.example.com',
      configurationSet: 'cs',
    });
  });

  it('allows exact origins only, and https only on protected stages', () => {
    expect(() => resolveStage('x', {})).not.toThrow();
    const cors = corsPolicy({ allowedOrigins: ['https://app.example.com'] });
    expect(cors).toMatchObject({ allowOrigins: ['https://app.example.com'], allowCredentials: false });
    expect(cors?.allowHeaders).toContain('authorization');
    expect(corsPolicy({ allowedOrigins: [] })).toBeNull();
    expect(() => corsPolicy({ allowedOrigins: ['*'] })).toThrow(/wildcard/);
    for (const stage of ['dev', ...Object.keys(STAGES)]) {
      for (const origin of resolveStage(stage).allowedOrigins) expect(origin).not.toContain('*');
    }
    const production = resolveStage('production');
    for (const origin of production.allowedOrigins) expect(origin).toMatch(/^https:\/\//);
  });

  it('sends alarms only to an email address that is one', () => {
    const settings = resolveStage('x');
    expect(() => assertStageSettings('x', { ...settings, alertEmail: 'ops@example.com' })).not.toThrow();
    expect(() => assertStageSettings('x', { ...settings, alertEmail: 'ops at example' })).toThrow(/alertEmail/);
  });

  it('names functions and the table predictably, and refuses names Lambda would reject', () => {
    expect(functionName('dev', 'api')).toBe('toolgate-dev-api');
    expect(tableName('dev')).toBe('toolgate-dev');
    expect(() => functionName('a'.repeat(60), 'api')).toThrow(/shorter stage name/);
  });
});

describe('access logs', () => {
  it('is one JSON object per request with request id, route, status, latency and caller ip', () => {
    const line = accessLogFormat()
      .replace(/\$context\.[A-Za-z.]+/g, (variable) => (/status|responseLatency/.test(variable) ? '200' : 'x'))
      .replace(/"x"/g, '"value"');
    const parsed = JSON.parse(line) as Record<string, unknown>;
    expect(Object.keys(parsed)).toEqual(Object.keys(ACCESS_LOG_FORMAT));
    expect(parsed).toMatchObject({ requestId: 'value', routeKey: 'value', status: 200, latencyMs: 200, ip: 'value' });
  });

  it('says why the gateway answered 5xx for an integration: a throttled function, a timeout (integrationErrorMessage)', () => {
    expect(accessLogFormat()).toContain('"integrationError":"$context.integrationErrorMessage"');
  });
});
