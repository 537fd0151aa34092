#!/usr/bin/env node
// Runs sst.config.ts's `run()` offline, under Pulumi mocks, and checks what it would deploy. `tsc` proves the
// infra code type-checks; this proves it evaluates (no throw, no deadlock) and that the resources it declares keep
// the policies: the stage is created after every route, routes match the manifest, IAM has no wildcard action.
//
//   pnpm exec tsx scripts/infra-smoke.mjs [--stage dev] [--dump resources.json]   (tsx: it reads core's .ts)
//
// It imitates what `sst deploy` does before Pulumi talks to AWS (bundle sst.config.ts with SST's shim and
// globals, answer SST's RPC calls: function builds, bootstrap lookups), so it leans on SST internals that may
// move in an SST upgrade. If it breaks after one, fix it here or drop it; `pnpm typecheck:infra` stays the gate.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as esbuild from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const platform = join(root, '.sst', 'platform');
const argv = process.argv.slice(2);
const argValue = (name, fallback) => {
  const index = argv.indexOf(`--${name}`);
  return index >= 0 ? argv[index + 1] : fallback;
};
const stage = argValue('stage', 'dev');

const ensure = spawnSync(process.execPath, [join(root, 'scripts', 'ensure-sst-platform.mjs')], { stdio: 'inherit' });
if (ensure.status !== 0) process.exit(ensure.status ?? 1);

const work = mkdtempSync(join(tmpdir(), 'toolgate-infra-smoke-'));
// The mocks, the entry and the function builds are only this run's: gone however it ends.
process.on('exit', () => rmSync(work, { recursive: true, force: true }));
const ACCOUNT = '123456789012';

// Pulumi mocks: every resource "creates" instantly with plausible ids and ARNs; every data source answers.
writeFileSync(
  join(work, 'mocks.ts'),
  `import * as pulumi from '@pulumi/pulumi';
export const registered: { type: string; name: string; inputs: any }[] = [];
pulumi.runtime.setMocks({
  newResource(args) {
    registered.push({ type: args.type, name: args.name, inputs: args.inputs });
    const service = args.type.split(':')[1]?.split('/')[0] ?? 'x';
    const state: Record<string, unknown> = { ...args.inputs, name: args.inputs.name ?? args.name,
      arn: args.inputs.arn ?? \`arn:aws:\${service}:us-east-1:${ACCOUNT}:\${args.name}\` };
    if (args.type === 'aws:lambda/function:Function') state.arn = \`arn:aws:lambda:us-east-1:${ACCOUNT}:function:\${state.name}\`;
    if (args.type === 'aws:lambda/functionUrl:FunctionUrl') state.functionUrl = \`https://\${args.name.toLowerCase()}.lambda-url.us-east-1.on.aws/\`;
    if (args.type === 'aws:sqs/queue:Queue') state.url = \`https://sqs.us-east-1.amazonaws.com/${ACCOUNT}/\${args.name}\`;
    if (args.type === 'aws:apigatewayv2/api:Api') {
      state.apiEndpoint = 'https://example.execute-api.us-east-1.amazonaws.com';
      state.executionArn = 'arn:aws:execute-api:us-east-1:${ACCOUNT}:example';
    }
    if (args.type === 'aws:acm/certificate:Certificate') {
      state.domainValidationOptions = [{ domainName: args.inputs.domainName, resourceRecordName: \`_v.\${args.inputs.domainName}.\`,
        resourceRecordType: 'CNAME', resourceRecordValue: '_v.acm-validations.aws.' }];
    }
    if (args.type === 'aws:cognito/resourceServer:ResourceServer') {
      state.scopeIdentifiers = (args.inputs.scopes ?? []).map((s: any) => \`\${args.inputs.identifier}/\${s.scopeName}\`);
    }
    return { id: \`\${args.name}-id\`, state };
  },
  call(args) {
    if (args.token.includes('getRegion')) return { name: 'us-east-1', region: 'us-east-1', id: 'us-east-1' };
    if (args.token.includes('getCallerIdentity')) return { accountId: '${ACCOUNT}', arn: 'arn:aws:iam::${ACCOUNT}:root', userId: 'x' };
    if (args.token.includes('getPartition')) return { partition: 'aws', dnsSuffix: 'amazonaws.com', id: 'aws' };
    if (args.token.includes('getZone')) return { zoneId: 'Z0SMOKE', id: 'Z0SMOKE', name: 'example.com' };
    if (args.token.includes('getPolicyDocument')) return { json: JSON.stringify(args.inputs), statements: args.inputs.statements };
    return {};
  },
}, 'toolgate', ${JSON.stringify(stage)}, false);
`,
);
writeFileSync(
  join(work, 'entry.ts'),
  `import { registered } from './mocks';
import * as pulumi from '@pulumi/pulumi';
import * as aws from '@pulumi/aws';
import * as sst from ${JSON.stringify(join(platform, 'src', 'components'))};
import { run } from ${JSON.stringify(join(platform, 'src', 'auto', 'run.ts'))};
import mod from ${JSON.stringify(join(root, 'sst.config.ts'))};
(globalThis as any).aws = aws;
(globalThis as any).sst = sst;
export { registered };
export const outputs = (pulumi.runtime as any).runInPulumiStack(() => run(mod.run));
`,
);

const { APP_NAME, isProtectedStage, retainsData } = await import(
  pathToFileURL(join(root, 'packages/core/src/deploy/stages.ts')).href
);
const production = isProtectedStage(stage);
const retain = retainsData(stage);
// What sst.config.ts's app() answers: `retain` decides the removal policy, `protect` whether `sst remove` runs.
const app = { name: APP_NAME, stage, removal: retain ? 'retain' : 'remove', protect: production, home: 'aws' };
const cli = { command: 'deploy', dev: false, paths: { home: work, root, work: join(root, '.sst'), platform }, env: {} };
const bundle = join(platform, 'infra-smoke.mjs');
await esbuild.build({
  entryPoints: [join(work, 'entry.ts')],
  outfile: bundle,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'es2022',
  define: { $app: JSON.stringify(app), $cli: JSON.stringify(cli), $dev: 'false' },
  inject: [join(platform, 'src', 'shim', 'run.js')],
  banner: { js: "import { createRequire as __cr } from 'module'; const require = __cr(import.meta.url);" },
  logLevel: 'error',
  plugins: [
    {
      // SST's own dependencies load from .sst/platform/node_modules at run time, as they do under sst deploy.
      name: 'platform-dependencies',
      setup(build) {
        build.onResolve({ filter: /^[^./]/ }, (args) =>
          args.importer.includes(`${platform}/`) || args.path.startsWith('@pulumi/')
            ? { path: args.path, external: true }
            : undefined,
        );
      },
    },
  ],
});

// SST's RPC: function builds (answered with a stub bundle: bundling is esbuild's job, checked elsewhere) and
// bootstrap lookups.
const builds = [];
const server = http.createServer((req, res) => {
  let body = '';
  req.on('data', (chunk) => {
    body += chunk;
  });
  req.on('end', () => {
    const { method, params } = JSON.parse(body);
    const args = Array.isArray(params) ? params[0] : params;
    let result = {};
    if (method === 'Provider.Aws.Bootstrap') {
      result = { asset: 'sst-asset', assetEcrRegistryId: ACCOUNT, assetEcrUrl: 'x', state: 'sst-state' };
    } else if (method === 'Runtime.Build') {
      // SST's layout: the handler module at its source path (`packages/.../api.handler` → `.../api.mjs`), so that
      // infra's postbuild hook (exec wrapper, compile cache built by arm64 Node under qemu-user) runs as in a deploy.
      const out = join(work, 'builds', String(builds.length));
      const file = join(out, `${args.handler.replace(/\.[^./]+$/, '')}.mjs`);
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, 'export const handler = async () => ({});');
      builds.push({ handler: args.handler, runtime: args.runtime, properties: args.properties, out });
      result = { handler: args.handler, out, errors: [], sourcemaps: [] };
    }
    res.end(JSON.stringify({ id: 1, result, error: null }));
  });
});
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
process.env.SST_SERVER = `http://127.0.0.1:${server.address().port}`;
for (const name of ['StripeWebhookSecret', 'OpenAiApiKey', 'CursorSigningKey'])
  process.env[`SST_SECRET_${name}`] ??= 'smoke-test-value';

const failures = [];
process.on('unhandledRejection', (error) => failures.push(`unhandled: ${error?.message ?? error}`));
const program = await import(pathToFileURL(bundle).href);
const pulumi = await import(pathToFileURL(join(platform, 'node_modules/@pulumi/pulumi/index.js')).href);
const outputs = await Promise.race([
  program.outputs.then((value) => new Promise((resolve) => pulumi.output(value).apply(resolve))),
  new Promise((resolve) => setTimeout(resolve, 60_000)).then(() => {
    failures.push('run() did not finish within 60 s (an output never resolved: a deadlock or an error inside apply)');
    return {};
  }),
]);
// Let the last registrations (the stage waits for every route) land. A function registers only after its postbuild
// hook (the compile cache, built by Node under qemu-user: seconds), so also wait for one function per build.
const functionsRegistered = () =>
  program.registered.filter((resource) => resource.type === 'aws:lambda/function:Function').length;
const settleBy = performance.now() + 180_000;
for (let count = -1; count !== program.registered.length || functionsRegistered() < builds.length; ) {
  if (performance.now() > settleBy) break;
  count = program.registered.length;
  await new Promise((resolve) => setTimeout(resolve, 500));
}
server.close();

const resources = program.registered;
const ofType = (type) => resources.filter((resource) => resource.type === type);
const indexOf = (resource) => resources.indexOf(resource);
const check = (ok, message) => {
  if (!ok) failures.push(message);
};

const { manifest, routeKey } = await import(pathToFileURL(join(root, 'packages/core/src/manifest/index.ts')).href);
const routes = ofType('aws:apigatewayv2/route:Route');
const stages = ofType('aws:apigatewayv2/stage:Stage');
check(stages.length === 1, `expected one API stage, found ${stages.length}`);
check(
  stages.every((s) => routes.every((route) => indexOf(route) < indexOf(s))),
  'the API stage must be created after every route (RouteSettings name them)',
);
const keys = routes.map((route) => route.inputs.routeKey).sort();
check(
  JSON.stringify(keys) === JSON.stringify(manifest.map(routeKey).sort()),
  'gateway routes differ from the manifest',
);
for (const spec of manifest) {
  const route = routes.find((r) => r.inputs.routeKey === routeKey(spec));
  const expected = spec.auth.kind === 'jwt' ? 'JWT' : 'NONE';
  check(
    route?.inputs.authorizationType === expected,
    `${routeKey(spec)}: authorization ${route?.inputs.authorizationType}`,
  );
}
const { resolveStage } = await import(pathToFileURL(join(root, 'packages/core/src/deploy/stages.ts')).href);
const { throttling } = resolveStage(stage, process.env);
const [apiStage] = stages;
check(
  apiStage?.inputs.defaultRouteSettings?.throttlingRateLimit === throttling.stage.rateLimit &&
    apiStage?.inputs.defaultRouteSettings?.throttlingBurstLimit === throttling.stage.burstLimit,
  'the stage must carry the default route throttle',
);
const openKeys = manifest
  .filter((spec) => spec.auth.kind !== 'jwt')
  .map(routeKey)
  .sort();
const throttled = (apiStage?.inputs.routeSettings ?? []).filter(
  (setting) => setting.throttlingRateLimit === throttling.publicRoutes.rateLimit,
);
check(
  JSON.stringify(throttled.map((setting) => setting.routeKey).sort()) === JSON.stringify(openKeys),
  'every open route (and only those) must carry the tighter route throttle',
);
// The only way around the gateway is the manifest's: its `stream` routes get one response-streaming function (the api
// tier's code, its streamHandler) behind one Function URL, whose reserved concurrency is carved out of the api tier's.
const streamed = manifest.filter((spec) => spec.stream);
const urls = ofType('aws:lambda/functionUrl:FunctionUrl');
check(
  urls.length === (streamed.length > 0 ? 1 : 0),
  `expected ${streamed.length > 0 ? 'one Function URL (the chat stream)' : 'no Function URL'}, found ${urls.length}`,
);
for (const url of urls) {
  check(
    url.inputs.invokeMode === 'RESPONSE_STREAM',
    `${url.name}: a Function URL must stream (${url.inputs.invokeMode})`,
  );
  check(
    url.inputs.authorizationType === 'NONE',
    `${url.name}: the stream's JWT is verified in the Lambda (auth ${url.inputs.authorizationType})`,
  );
}
const functions = ofType('aws:lambda/function:Function');
const expectedFunctions = streamed.length > 0 ? 6 : 5;
check(functions.length === expectedFunctions, `expected ${expectedFunctions} functions, found ${functions.length}`);
const streamFunction = functions.find((fn) => String(fn.inputs.name).endsWith('-api-stream'));
if (streamed.length > 0) {
  check(streamFunction !== undefined, 'the chat stream function (…-api-stream) is missing');
  const apiFunction = functions.find((fn) => String(fn.inputs.name).endsWith('-api'));
  const { reservedConcurrency } = resolveStage(stage, process.env);
  if (reservedConcurrency !== 'off') {
    check(
      (streamFunction?.inputs.reservedConcurrentExecutions ?? 0) +
        (apiFunction?.inputs.reservedConcurrentExecutions ?? 0) ===
        reservedConcurrency.api,
      'the api function and its stream function together must reserve exactly the api tier budget',
    );
  }
}
for (const fn of functions) {
  check(fn.inputs.architectures?.[0] === 'arm64', `${fn.inputs.name}: not arm64`);
  check(/^nodejs2[24]\.x$/.test(fn.inputs.runtime), `${fn.inputs.name}: runtime ${fn.inputs.runtime}`);
}
// The cold-start levers (stages.ts `coldStart`, on by default): every package got the exec wrapper and a compile
// cache built by arm64 Node, the functions name them, and Lambda cannot move their runtime between deploys.
const { coldStart } = resolveStage(stage, process.env);
for (const fn of functions) {
  const env = fn.inputs.environment?.variables ?? {};
  if (coldStart.compileCache)
    check(env.NODE_COMPILE_CACHE === '/var/task/.node-compile-cache', `${fn.inputs.name}: no NODE_COMPILE_CACHE`);
  if (coldStart.execWrapper)
    check(env.AWS_LAMBDA_EXEC_WRAPPER === '/var/task/toolgate-node-wrapper.sh', `${fn.inputs.name}: no exec wrapper`);
}
for (const build of builds) {
  const files = readdirSync(build.out, { recursive: true }).map(String);
  if (coldStart.execWrapper)
    check(files.includes('toolgate-node-wrapper.sh'), `${build.handler}: no exec wrapper in the package`);
  if (coldStart.compileCache) {
    check(
      files.some((file) => /^\.node-compile-cache\/v24\.[\d.]+-arm64-[0-9a-f]{8}-/.test(file)),
      `${build.handler}: no arm64 compile cache in the package`,
    );
  }
}
const pins = ofType('aws:lambda/runtimeManagementConfig:RuntimeManagementConfig');
check(
  pins.length === functions.length &&
    pins.every((pin) => ['Manual', 'FunctionUpdate'].includes(pin.inputs.updateRuntimeOn)),
  `every function's runtime must be pinned or updated only by a deploy (${pins.length} runtime configs for ${functions.length} functions)`,
);
for (const role of ofType('aws:iam/role:Role')) {
  for (const policy of role.inputs.inlinePolicies ?? []) {
    for (const statement of JSON.parse(policy.policy).statements ?? []) {
      for (const action of statement.actions) check(!action.includes('*'), `${role.name}: wildcard action ${action}`);
    }
  }
}
// Least privilege as deployed: the public tier reads only catalog partitions; models are granted one by one, in the
// stage's partition; the state machine's role trusts Step Functions only on behalf of this account.
const rolePolicy = (roleName) =>
  (ofType('aws:iam/role:Role').find((role) => role.name === roleName)?.inputs.inlinePolicies ?? []).flatMap(
    (policy) => JSON.parse(policy.policy).statements ?? [],
  );
const publicTable = rolePolicy('PublicFunctionRole').filter((s) => s.actions.some((a) => a.startsWith('dynamodb:')));
check(
  publicTable.length === 2 &&
    publicTable.every((statement) =>
      statement.conditions?.some(
        (c) => c.test === 'ForAllValues:StringLike' && c.variable === 'dynamodb:LeadingKeys' && c.values.length > 0,
      ),
    ),
  'every public-tier table statement must be narrowed with dynamodb:LeadingKeys',
);
for (const tier of ['Api', 'Worker', 'Steps']) {
  const bedrock = rolePolicy(`${tier}FunctionRole`).filter((s) => s.actions.some((a) => a.startsWith('bedrock:')));
  check(bedrock.length > 0, `${tier}: no model grant`);
  for (const statement of bedrock) {
    check(
      JSON.stringify(statement.actions) === '["bedrock:InvokeModel","bedrock:InvokeModelWithResponseStream"]',
      `${tier}: model actions ${statement.actions}`,
    );
    for (const resource of statement.resources) {
      check(!resource.endsWith('/*'), `${tier}: model grant on every model (${resource})`);
    }
  }
}
const trustInput = ofType('aws:iam/role:Role').find((role) => role.name === 'IngestionRole')?.inputs.assumeRolePolicy;
const trust = typeof trustInput === 'string' ? JSON.parse(trustInput) : (trustInput ?? {});
check(
  trust.Statement?.length === 1 &&
    trust.Statement[0].Principal?.Service === 'states.amazonaws.com' &&
    trust.Statement[0].Condition?.StringEquals?.['aws:SourceAccount'] === ACCOUNT,
  'the ingestion role must trust Step Functions only with aws:SourceAccount of this account',
);
for (const tier of ['Public', 'Api', 'Webhook', 'Worker', 'Steps']) {
  const input = ofType('aws:iam/role:Role').find((role) => role.name === `${tier}FunctionRole`)?.inputs
    .assumeRolePolicy;
  const policy = typeof input === 'string' ? JSON.parse(input) : (input ?? {});
  const principals = JSON.stringify(policy.Statement?.map((statement) => statement.Principal) ?? policy);
  check(
    principals === JSON.stringify([{ Service: 'lambda.amazonaws.com' }]),
    `${tier}: only Lambda may assume the function role (trusts ${principals})`,
  );
}
check(ofType('aws:apigatewayv2/api:Api').length === 1, 'one HTTP API: a custom domain maps to it, never a second one');

// Alarms: the dead-letter queue, the workflow, every tier's errors and the paid tiers' throttles, all to one topic.
const { TIERS } = await import(pathToFileURL(join(root, 'packages/core/src/concurrency.ts')).href);
const { THROTTLE_ALARM_TIERS, functionName, streamFunctionName } = await import(
  pathToFileURL(join(root, 'packages/core/src/deploy/stages.ts')).href
);
const alarms = ofType('aws:cloudwatch/metricAlarm:MetricAlarm');
const topics = ofType('aws:sns/topic:Topic').filter((topic) => topic.name === 'Alerts');
check(topics.length === 1, `expected one Alerts topic, found ${topics.length}`);
const watching = (namespace, metric, dimension, value) =>
  alarms.find(
    (alarm) =>
      alarm.inputs.namespace === namespace &&
      alarm.inputs.metricName === metric &&
      (value === undefined || alarm.inputs.dimensions?.[dimension] === value),
  );
const deadLetterQueue = ofType('aws:sqs/queue:Queue').find((queue) => queue.name.startsWith('JobsDeadLetters'));
check(
  watching('AWS/SQS', 'ApproximateNumberOfMessagesVisible', 'QueueName', deadLetterQueue?.inputs.name ?? '?'),
  'the jobs dead-letter queue must have an alarm',
);
check(watching('AWS/States', 'ExecutionsFailed'), 'failed ingestion workflows must raise an alarm');
check(watching('AWS/States', 'ExecutionsTimedOut'), 'timed-out ingestion workflows must raise an alarm');
for (const tier of TIERS) {
  check(watching('AWS/Lambda', 'Errors', 'FunctionName', functionName(stage, tier)), `${tier}: no errors alarm`);
}
for (const tier of THROTTLE_ALARM_TIERS) {
  check(watching('AWS/Lambda', 'Throttles', 'FunctionName', functionName(stage, tier)), `${tier}: no throttles alarm`);
}
// The chat stream answers around the HTTP API (no route metric sees it): its function's own errors and throttles.
for (const metric of streamed.length > 0 ? ['Errors', 'Throttles'] : []) {
  check(
    watching('AWS/Lambda', metric, 'FunctionName', streamFunctionName(stage, 'api')),
    `the api stream function (${streamFunctionName(stage, 'api')}): no ${metric} alarm`,
  );
}
check(
  alarms.every((alarm) => alarm.inputs.alarmActions?.length === 1 && alarm.inputs.treatMissingData === 'notBreaching'),
  'every alarm notifies the Alerts topic and treats missing data as fine',
);

// Observability: the dashboard charts only what the code emits or AWS publishes (one catalogue, in core), and so do
// the alarms; each alarm links a runbook section that exists; per-route metrics are on (the route 5xx alarms and
// panels read them); every function and the workflow are traced.
const { metricReferences, unknownMetricReferences } = await import(
  pathToFileURL(join(root, 'packages/core/src/deploy/dashboard.ts')).href
);
const { markdownAnchors, RUNBOOK_DOC, ROUTE_5XX_ALARM_TIERS } = await import(
  pathToFileURL(join(root, 'packages/core/src/deploy/runbook.ts')).href
);
const dashboards = ofType('aws:cloudwatch/dashboard:Dashboard');
check(dashboards.length === 1, `expected one dashboard, found ${dashboards.length}`);
const body = JSON.parse(dashboards[0]?.inputs.dashboardBody ?? '{"widgets":[]}');
const charted = metricReferences(body);
check(charted.length > 0, 'the dashboard charts nothing');
for (const problem of unknownMetricReferences(charted)) failures.push(`dashboard: ${problem}`);
// Every function deployed has a concurrency panel, whose reserved line is the reservation it really has.
for (const fn of functions) {
  const panel = body.widgets.find((widget) =>
    widget.properties?.metrics?.some((line) => line[1] === 'ConcurrentExecutions' && line[3] === fn.inputs.name),
  );
  const line = panel?.properties.annotations?.horizontal?.[0]?.value;
  check(panel !== undefined, `${fn.inputs.name}: no concurrency panel on the dashboard`);
  check(
    line === fn.inputs.reservedConcurrentExecutions,
    `${fn.inputs.name}: the dashboard's reserved line (${line}) is not its reservation (${fn.inputs.reservedConcurrentExecutions})`,
  );
}
const alarmReferences = alarms.flatMap((alarm) =>
  alarm.inputs.metricName
    ? [
        {
          namespace: alarm.inputs.namespace,
          metric: alarm.inputs.metricName,
          dimensions: Object.keys(alarm.inputs.dimensions ?? {}),
        },
      ]
    : (alarm.inputs.metricQueries ?? [])
        .filter((query) => query.metric)
        .map((query) => ({
          namespace: query.metric.namespace,
          metric: query.metric.metricName,
          dimensions: Object.keys(query.metric.dimensions ?? {}),
        })),
);
for (const problem of unknownMetricReferences(alarmReferences)) failures.push(`alarm: ${problem}`);
const runbookAnchors = new Set(markdownAnchors(readFileSync(join(root, RUNBOOK_DOC), 'utf8')));
for (const alarm of alarms) {
  const link = /Runbook: ([^#\s]+)#([a-z0-9_-]+)/.exec(alarm.inputs.alarmDescription ?? '');
  check(
    link?.[1] === RUNBOOK_DOC && runbookAnchors.has(link[2]),
    `${alarm.inputs.name}: its description must end with a runbook link to a section of ${RUNBOOK_DOC}`,
  );
}
for (const spec of manifest.filter((route) => ROUTE_5XX_ALARM_TIERS.includes(route.tier))) {
  check(
    alarms.some((alarm) =>
      alarm.inputs.metricQueries?.some(
        (query) =>
          query.metric?.metricName === '5xx' &&
          query.metric.dimensions?.Resource === spec.path &&
          query.metric.dimensions?.Method === spec.method,
      ),
    ),
    `${routeKey(spec)}: no 5xx rate alarm`,
  );
}
check(
  apiStage?.inputs.defaultRouteSettings?.detailedMetricsEnabled === true &&
    (apiStage?.inputs.routeSettings ?? []).every((setting) => setting.detailedMetricsEnabled === true),
  'per-route (detailed) metrics must be on for every route',
);
for (const fn of functions) check(fn.inputs.tracingConfig?.mode === 'Active', `${fn.inputs.name}: not traced`);
check(
  ofType('aws:sfn/stateMachine:StateMachine').every((machine) => machine.inputs.tracingConfiguration?.enabled === true),
  'the ingestion workflow must be traced',
);

// Data the stage retains stays recoverable and undeletable whatever `protect` says (a teardown turns protect off).
const table = ofType('aws:dynamodb/table:Table')[0];
check(table?.inputs.pointInTimeRecovery?.enabled === retain, `table PITR should be ${retain}`);
check(table?.inputs.deletionProtectionEnabled === retain, `table deletion protection should be ${retain}`);
const buckets = ofType('aws:s3/bucketV2:BucketV2').concat(ofType('aws:s3/bucket:Bucket'));
check(buckets.length === 1, `expected one bucket, found ${buckets.length}`);
check(buckets[0]?.inputs.forceDestroy === !retain, `the uploads bucket's forceDestroy should be ${!retain}`);
const stageSettings = resolveStage(stage, process.env);
const pool = ofType('aws:cognito/userPool:UserPool')[0];
if (stageSettings.identity.kind === 'cognito') {
  check(
    pool?.inputs.deletionProtection === (retain ? 'ACTIVE' : 'INACTIVE'),
    `user pool deletion protection should follow retain (${retain})`,
  );
  const email = stageSettings.identity.email;
  check(
    production ? email !== undefined : true,
    'a protected Cognito stage must send email through SES (identity.email)',
  );
  if (email) {
    check(
      pool?.inputs.emailConfiguration?.emailSendingAccount === 'DEVELOPER' &&
        pool.inputs.emailConfiguration.sourceArn === `arn:aws:ses:us-east-1:${ACCOUNT}:identity/${email.sesIdentity}` &&
        pool.inputs.emailConfiguration.fromEmailAddress === email.from,
      'the user pool must send through the stage SES identity',
    );
  } else {
    check(
      (pool?.inputs.emailConfiguration?.emailSendingAccount ?? 'COGNITO_DEFAULT') === 'COGNITO_DEFAULT',
      "Cognito's own sender without identity.email",
    );
  }
}

console.log(
  `infra smoke (stage ${stage}): ${resources.length} resources, ${routes.length} routes, ${builds.length} builds`,
);
for (const [name, value] of Object.entries(outputs)) if (!name.startsWith('_')) console.log(`  ${name}: ${value}`);
const dump = argValue('dump');
if (dump) writeFileSync(dump, JSON.stringify(resources, null, 2));
if (failures.length > 0) {
  console.error(failures.map((failure) => `FAIL ${failure}`).join('\n'));
  process.exit(1);
}
console.log('ok');
process.exit(0);
