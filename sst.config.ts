/// <reference path="./.sst/platform/config.d.ts" />

/**
 * toolgate on AWS. Resources live in infra/, one file per concern; what differs per stage is data in
 * packages/core/src/deploy/stages.ts. See docs/deploy.md.
 */
export default $config({
  async app(input) {
    const { APP_NAME, isProtectedStage, retainsData } = await import('./packages/core/src/deploy/stages');
    return {
      name: APP_NAME,
      home: 'aws',
      // Two separate switches: `retain` keeps the data (table, bucket; infra/auth.ts keeps the user pool) when the
      // stage is removed; `protect` makes `sst remove` refuse to run at all.
      removal: retainsData(input.stage) ? 'retain' : 'remove',
      protect: isProtectedStage(input.stage),
    };
  },
  async run() {
    if ($cli.command === 'remove') {
      // A stage that retains data is removed only after an on-demand backup of its table (docs/deploy.md).
      const { teardownProblems } = await import('./packages/core/src/deploy/stages');
      const problems = teardownProblems($app.stage, process.env);
      if (problems.length > 0) throw new Error(problems.join('\n'));
    }
    const { settings } = await import('./infra/stage');
    const { identity } = await import('./infra/auth');
    const { table, uploads } = await import('./infra/storage');
    const { jobsQueue } = await import('./infra/jobs');
    const { ingestion } = await import('./infra/workflows');
    const { api, chatStream } = await import('./infra/api');
    const { alerts } = await import('./infra/alarms');
    const { dashboard } = await import('./infra/dashboard');

    return {
      api: api.url,
      // POST /chat with Accept: text/event-stream, streamed (docs/adr/0003-streaming.md).
      ...(chatStream ? { chatStream: chatStream.url } : {}),
      table: table.name,
      uploadsBucket: uploads.name,
      jobsQueue: jobsQueue.url,
      ingestionStateMachine: ingestion.arn,
      alertsTopic: alerts.arn,
      dashboard: dashboard.dashboardName,
      reservedConcurrency: settings.reservedConcurrency === 'off' ? 'off' : 'on',
      ...identity.outputs,
    };
  },
});
