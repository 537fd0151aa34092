import { TIERS } from '../packages/core/src/concurrency';
import { ROUTE_5XX_ALARM, ROUTE_5XX_ALARM_TIERS, runbookLine } from '../packages/core/src/deploy/runbook';
import { APP_NAME, functionName, streamFunctionName, THROTTLE_ALARM_TIERS } from '../packages/core/src/deploy/stages';
import { manifest, routeKey } from '../packages/core/src/manifest';
import { api, chatStream } from './api';
import { deadLetters } from './jobs';
import { settings } from './stage';
import { ingestion } from './workflows';

/**
 * What must reach a person: a job message in the dead-letter queue (it failed every delivery and waits for a
 * redrive, docs/jobs.md), a failed or timed-out ingestion workflow, a Lambda that crashed or timed out (the HTTP tiers answer
 * every handled error themselves, so a Lambda error means init failed, a timeout or a crash), and throttling of the
 * tiers where it costs paying users (the public tier's throttling under a flood is the design working), and a
 * route answering 5xx to a share of its requests. Every alarm notifies the `Alerts` topic, to which `alertEmail`
 * (stage settings) is subscribed, and its description ends with the runbook section to open (docs/observability.md).
 */
export const alerts = new aws.sns.Topic('Alerts', { name: `${APP_NAME}-${$app.stage}-alerts` });

if (settings.alertEmail) {
  new aws.sns.TopicSubscription('AlertsEmail', { topic: alerts.arn, protocol: 'email', endpoint: settings.alertEmail });
}

interface Watch {
  description: string;
  /** The runbook section (docs/observability.md) for this alarm. */
  runbook: string;
  namespace: string;
  metricName: string;
  dimensions: Record<string, $util.Input<string>>;
  statistic: 'Sum' | 'Maximum';
}

/** What every alarm shares: its name, the topic, and that no data is no failure (idle resources publish nothing). */
function common(name: string, description: string, runbook: string) {
  return {
    name: `${APP_NAME}-${$app.stage}-${name}`,
    alarmDescription: `${description}. ${runbookLine(runbook)}`,
    evaluationPeriods: 1,
    comparisonOperator: 'GreaterThanOrEqualToThreshold',
    treatMissingData: 'notBreaching',
    alarmActions: [alerts.arn],
    okActions: [alerts.arn],
  };
}

/** `name` in kebab case: the alarm is `toolgate-<stage>-<name>` in CloudWatch. */
const resourceName = (name: string) =>
  `${name.replace(/(^|-)([a-z0-9])/g, (_match, _dash, letter: string) => letter.toUpperCase())}Alarm`;

function alarm(name: string, watch: Watch): aws.cloudwatch.MetricAlarm {
  return new aws.cloudwatch.MetricAlarm(resourceName(name), {
    ...common(name, watch.description, watch.runbook),
    namespace: watch.namespace,
    metricName: watch.metricName,
    dimensions: watch.dimensions,
    statistic: watch.statistic,
    period: 300,
    threshold: 1,
  });
}

alarm('jobs-dead-letters', {
  description: 'A job message failed every delivery and is in the dead-letter queue: inspect it, then redrive it',
  runbook: 'jobs-dead-letters',
  namespace: 'AWS/SQS',
  metricName: 'ApproximateNumberOfMessagesVisible',
  dimensions: { QueueName: deadLetters.nodes.queue.name },
  statistic: 'Maximum',
});

alarm('ingestion-failed', {
  description: 'An ingestion workflow execution failed: the upload is marked FAILED, see the execution history',
  runbook: 'ingestion-failed',
  namespace: 'AWS/States',
  metricName: 'ExecutionsFailed',
  dimensions: { StateMachineArn: ingestion.arn },
  statistic: 'Sum',
});

alarm('ingestion-timed-out', {
  description:
    'An ingestion workflow execution timed out (no Catch runs then): its upload is marked FAILED on its next read, ' +
    'see docs/reliability.md; a burst of these means the steps tier is throttled for minutes on end',
  runbook: 'ingestion-timed-out',
  namespace: 'AWS/States',
  metricName: 'ExecutionsTimedOut',
  dimensions: { StateMachineArn: ingestion.arn },
  statistic: 'Sum',
});

for (const tier of TIERS) {
  alarm(`${tier}-errors`, {
    description: `The ${tier} function failed an invocation (crash, timeout or failed init): see its logs`,
    runbook: 'tier-errors',
    namespace: 'AWS/Lambda',
    metricName: 'Errors',
    dimensions: { FunctionName: functionName($app.stage, tier) },
    statistic: 'Sum',
  });
}

for (const tier of THROTTLE_ALARM_TIERS) {
  alarm(`${tier}-throttles`, {
    description: `The ${tier} function was throttled: its reserved concurrency is exhausted`,
    runbook: 'tier-throttles',
    namespace: 'AWS/Lambda',
    metricName: 'Throttles',
    dimensions: { FunctionName: functionName($app.stage, tier) },
    statistic: 'Sum',
  });
}

// The chat stream's function answers on its Function URL, around the HTTP API: no route metric sees it, so its own
// errors and throttles (a paid user's stream refused) are what tell.
if (chatStream) {
  alarm('api-stream-errors', {
    description: 'The api stream function (chat stream, Function URL) failed an invocation: see its logs',
    runbook: 'tier-errors',
    namespace: 'AWS/Lambda',
    metricName: 'Errors',
    dimensions: { FunctionName: streamFunctionName($app.stage, 'api') },
    statistic: 'Sum',
  });
  alarm('api-stream-throttles', {
    description: 'The api stream function was throttled: its share of the api reservation is exhausted',
    runbook: 'tier-throttles',
    namespace: 'AWS/Lambda',
    metricName: 'Throttles',
    dimensions: { FunctionName: streamFunctionName($app.stage, 'api') },
    statistic: 'Sum',
  });
}

// A route answering 5xx to a share of its requests (detailed metrics, infra/api.ts). Below `minRequests` in the
// period a single failure is noise: the rate counts as 0 then. Public routes have none (ROUTE_5XX_ALARM_TIERS).
const { percent, minRequests, periodSeconds } = ROUTE_5XX_ALARM;
for (const spec of manifest.filter((route) => (ROUTE_5XX_ALARM_TIERS as readonly string[]).includes(route.tier))) {
  const slug = `${spec.method}${spec.path}`
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/-+$/, '');
  const dimensions = { ApiId: api.nodes.api.id, Stage: '$default', Method: spec.method, Resource: spec.path };
  const query = (id: string, metricName: string) => ({
    id,
    metric: { namespace: 'AWS/ApiGateway', metricName, dimensions, period: periodSeconds, stat: 'Sum' },
  });
  new aws.cloudwatch.MetricAlarm(resourceName(`route-5xx-${slug}`), {
    ...common(
      `route-5xx-${slug}`,
      `${routeKey(spec)} answered 5xx to at least ${percent}% of its requests (${minRequests} or more) in ${periodSeconds / 60} minutes`,
      'route-5xx-rate',
    ),
    threshold: percent,
    metricQueries: [
      query('errors', '5xx'),
      query('requests', 'Count'),
      {
        id: 'rate',
        expression: `IF(requests >= ${minRequests}, 100 * errors / requests, 0)`,
        label: `${routeKey(spec)} 5xx %`,
        returnData: true,
      },
    ],
  });
}
