import { resolveStage } from '../packages/core/src/deploy/stages';

/**
 * This stage's settings (edit them in packages/core/src/deploy/stages.ts). `pnpm preflight` resolves the same
 * settings, so what it checks is what deploys.
 */
export const settings = resolveStage($app.stage, process.env);

export const region = aws.getRegionOutput().region;
export const accountId = aws.getCallerIdentityOutput().accountId;
/** `aws`, `aws-cn` or `aws-us-gov`: every ARN infra builds uses it, never a hard-coded `arn:aws:`. */
export const partition = aws.getPartitionOutput().partition;

/** Non-secret runtime settings, read by the Lambdas as `Resource.Settings` (see packages/core/src/config.ts). */
export const settingsLink = new sst.Linkable('Settings', {
  properties: {
    allowedOrigins: settings.allowedOrigins,
    model: settings.model,
    stripePrices: settings.stripePrices ?? {},
    ...(settings.agent ? { agent: settings.agent } : {}),
    ...(settings.limits ? { limits: settings.limits } : {}),
    ...(settings.uploads ? { uploads: settings.uploads } : {}),
    ...(settings.jobs ? { jobs: settings.jobs } : {}),
  },
});
