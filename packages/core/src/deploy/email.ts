import type { CognitoEmail } from './stages';

/**
 * The user pool's `EmailConfiguration` for a stage that sends through Amazon SES (`StageIdentity.email`): Cognito
 * sends as `DEVELOPER`, from the verified SES identity, so SES's quotas apply instead of Cognito's few emails a day.
 */
export function cognitoEmailConfiguration(
  email: CognitoEmail,
  target: { partition: string; region: string; accountId: string },
) {
  const sesRegion = email.sesRegion ?? target.region;
  return {
    emailSendingAccount: 'DEVELOPER' as const,
    sourceArn: `arn:${target.partition}:ses:${sesRegion}:${target.accountId}:identity/${email.sesIdentity}`,
    fromEmailAddress: email.from,
    ...(email.configurationSet ? { configurationSet: email.configurationSet } : {}),
    ...(email.replyTo ? { replyToEmailAddress: email.replyTo } : {}),
  };
}
