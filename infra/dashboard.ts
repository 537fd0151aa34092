import { dashboardBody } from '../packages/core/src/deploy/dashboard';
import { APP_NAME } from '../packages/core/src/deploy/stages';
import { api } from './api';
import { deadLetters, jobsQueue } from './jobs';
import { region, settings } from './stage';
import { ingestion } from './workflows';

/**
 * The stage's CloudWatch dashboard: the body is data built in core (packages/core/src/deploy/dashboard.ts), which
 * `pnpm infra:smoke` checks charts only what the code emits or AWS publishes; docs/observability.md reads it.
 */
export const dashboard = new aws.cloudwatch.Dashboard('Dashboard', {
  dashboardName: `${APP_NAME}-${$app.stage}`,
  dashboardBody: $resolve({
    region,
    apiId: api.nodes.api.id,
    jobsQueueName: jobsQueue.nodes.queue.name,
    deadLettersQueueName: deadLetters.nodes.queue.name,
    stateMachineArn: ingestion.arn,
  }).apply((resolved) =>
    JSON.stringify(
      dashboardBody({ ...resolved, stage: $app.stage, apiStage: '$default', reserved: settings.reservedConcurrency }),
    ),
  ),
});
