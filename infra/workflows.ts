import { stateMachineStatements } from '../packages/core/src/deploy/access';
import { ingestionDefinition, ingestionTrustPolicy } from '../packages/core/src/workflows/ingestion';
import { tierFunction, xrayWritePolicyArn } from './functions';
import { accountId, partition } from './stage';

/**
 * Document ingestion as a Step Functions Standard workflow. The definition is the hand-written JSONPath ASL in
 * core, deployed as is with `aws.sfn.StateMachine`: `sst.aws.StepFunctions` would emit JSONata, which the local
 * runtime cannot run, and the same JSON must run in both places.
 */
const steps = tierFunction('steps');

// Only Step Functions, and only on behalf of this account's state machines, may assume the role (confused deputy).
const role = new aws.iam.Role('IngestionRole', {
  assumeRolePolicy: accountId.apply((account) => JSON.stringify(ingestionTrustPolicy({ accountId: account }))),
});

// The state machine may invoke the steps function and nothing else (the local emulator checks the same statements).
const invokeSteps = new aws.iam.RolePolicy('IngestionInvokeSteps', {
  role: role.id,
  policy: steps.arn.apply((arn) =>
    JSON.stringify({
      Version: '2012-10-17',
      Statement: stateMachineStatements(arn).map((statement) => ({
        Effect: 'Allow',
        Action: statement.actions,
        Resource: statement.resources,
      })),
    }),
  ),
});

// Traced like the functions: an execution's trace continues into each steps-tier task it invokes.
const traces = new aws.iam.RolePolicyAttachment('IngestionTraces', {
  role: role.name,
  policyArn: partition.apply(xrayWritePolicyArn),
});

export const ingestion = new aws.sfn.StateMachine(
  'IngestionStateMachine',
  {
    type: 'STANDARD',
    roleArn: role.arn,
    definition: steps.arn.apply((arn) => JSON.stringify(ingestionDefinition(arn))),
    tracingConfiguration: { enabled: true },
  },
  { dependsOn: [invokeSteps, traces] },
);

/** Read by the api tier (`Resource.Ingestion.arn`) to start an execution for a confirmed upload. */
export const ingestionLink = new sst.Linkable('Ingestion', { properties: { arn: ingestion.arn } });
