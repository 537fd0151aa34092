/// <reference path="./.sst/platform/config.d.ts" />

/**
 * toolgate on AWS. Resources live in infra/, one file per concern; what differs per stage is data in
 * packages/core/src/deploy/stages.ts. See docs/deploy.md.
 */
export default $config({
  async app(input) {
    const { APP_NAME, isProtectedStage } = await import('./packages/core/src/deploy/stages');
    const production = isProtectedStage(input.stage);
    return {
      name: APP_NAME,
      home: 'aws',
      // Production keeps its data when the stage is removed, and its resources are protected from deletion.
      removal: production ? 'retain' : 'remove',
      protect: production,
    };
  },
  async run() {
    const { settings } = await import('./infra/stage');
    const { identity } = await import('./infra/auth');
    const { table, uploads } = await import('./infra/storage');
    const { jobsQueue } = await import('./infra/jobs');
    const { ingestion } = await import('./infra/workflows');
    const { api } = await import('./infra/api');
    const { alerts } = await import('./infra/alarms');

    return {
      api: api.url,
      table: table.name,
      uploadsBucket: uploads.name,
      jobsQueue: jobsQueue.url,
      ingestionStateMachine: ingestion.arn,
      alertsTopic: alerts.arn,
      reservedConcurrency: settings.reservedConcurrency === 'off' ? 'off' : 'on',
      ...identity.outputs,
    };
  },
});
