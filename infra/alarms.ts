import { TIERS } from '../packages/core/src/concurrency';
import { APP_NAME, functionName, THROTTLE_ALARM_TIERS } from '../packages/core/src/deploy/stages';
import { deadLetters } from './jobs';
import { settings } from './stage';
import { ingestion } from './workflows';

/**
 * What must reach a person: a job message in the dead-letter queue (it failed every delivery and waits for a
 * redrive, docs/jobs.md), a failed or timed-out ingestion workflow, a Lambda that crashed or timed out (the HTTP tiers answer
 * every handled error themselves, so a Lambda error means init failed, a timeout or a crash), and throttling of the
 * tiers where it costs paying users (the public tier's throttling under a flood is the design working). Every
 * alarm notifies the `Alerts` topic, to which `alertEmail` (stage settings) is subscribed.
 */
export const alerts = new aws.sns.Topic('Alerts', { name: `${APP_NAME}-${$app.stage}-alerts` });

if (settings.alertEmail) {
  new aws.sns.TopicSubscription('AlertsEmail', { topic: alerts.arn, protocol: 'email', endpoint: settings.alertEmail });
}

interface Watch {
  description: string;
  namespace: string;
  metricName: string;
  dimensions: Record<string, $util.Input<string>>;
  statistic: 'Sum' | 'Maximum';
}

/** `name` in kebab case: the alarm is `toolgate-<stage>-<name>` in CloudWatch. */
function alarm(name: string, watch: Watch): aws.cloudwatch.MetricAlarm {
  const id = name.replace(/(^|-)([a-z])/g, (_match, _dash, letter: string) => letter.toUpperCase());
  return new aws.cloudwatch.MetricAlarm(`${id}Alarm`, {
    name: `${APP_NAME}-${$app.stage}-${name}`,
    alarmDescription: watch.description,
    namespace: watch.namespace,
    metricName: watch.metricName,
    dimensions: watch.dimensions,
    statistic: watch.statistic,
    period: 300,
    evaluationPeriods: 1,
    threshold: 1,
    comparisonOperator: 'GreaterThanOrEqualToThreshold',
    // No data is no failure: idle queues and functions publish nothing.
    treatMissingData: 'notBreaching',
    alarmActions: [alerts.arn],
    okActions: [alerts.arn],
  });
}

alarm('jobs-dead-letters', {
  description: 'A job message failed every delivery and is in the dead-letter queue: inspect it, then redrive it',
  namespace: 'AWS/SQS',
  metricName: 'ApproximateNumberOfMessagesVisible',
  dimensions: { QueueName: deadLetters.nodes.queue.name },
  statistic: 'Maximum',
});

alarm('ingestion-failed', {
  description: 'An ingestion workflow execution failed: the upload is marked FAILED, see the execution history',
  namespace: 'AWS/States',
  metricName: 'ExecutionsFailed',
  dimensions: { StateMachineArn: ingestion.arn },
  statistic: 'Sum',
});

alarm('ingestion-timed-out', {
  description:
    'An ingestion workflow execution timed out (no Catch runs then): its upload is marked FAILED on its next read, ' +
    'see docs/reliability.md; a burst of these means the steps tier is throttled for minutes on end',
  namespace: 'AWS/States',
  metricName: 'ExecutionsTimedOut',
  dimensions: { StateMachineArn: ingestion.arn },
  statistic: 'Sum',
});

for (const tier of TIERS) {
  alarm(`${tier}-errors`, {
    description: `The ${tier} function failed an invocation (crash, timeout or failed init): see its logs`,
    namespace: 'AWS/Lambda',
    metricName: 'Errors',
    dimensions: { FunctionName: functionName($app.stage, tier) },
    statistic: 'Sum',
  });
}

for (const tier of THROTTLE_ALARM_TIERS) {
  alarm(`${tier}-throttles`, {
    description: `The ${tier} function was throttled: its reserved concurrency is exhausted (docs/deploy.md)`,
    namespace: 'AWS/Lambda',
    metricName: 'Throttles',
    dimensions: { FunctionName: functionName($app.stage, tier) },
    statistic: 'Sum',
  });
}
