import { runSimulation } from '@cloud-copilot/iam-simulate';
import type { IamStatement } from '@toolgate/core/deploy/access';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { evaluate, type IamRequest, UnsupportedPolicyError } from './evaluate';

/**
 * The local evaluator against a full IAM policy simulator (@cloud-copilot/iam-simulate, AGPL: a test oracle only,
 * never imported by code that runs — docs/adr/0004-local-iam.md) on generated statements and requests built from
 * the actions, ARNs and condition keys toolgate's statements use.
 */

const ACCOUNT = '000000000000';

async function oracle(statements: readonly IamStatement[], request: IamRequest): Promise<string> {
  const policy = {
    Version: '2012-10-17',
    Statement: statements.map((statement) => ({
      Effect: 'Allow',
      Action: statement.actions,
      Resource: statement.resources,
      ...(statement.conditions ? { Condition: statement.conditions } : {}),
    })),
  };
  const contextVariables = Object.fromEntries(
    Object.entries(request.context ?? {}).map(([key, values]) => [key, [...values]]),
  );
  const result = await runSimulation(
    {
      request: {
        principal: `arn:aws:iam::${ACCOUNT}:role/toolgate-local-api-role`,
        action: request.action,
        resource: { resource: request.resource, accountId: ACCOUNT },
        contextVariables,
      },
      identityPolicies: [{ name: 'tier', policy }],
      serviceControlPolicies: [],
      resourceControlPolicies: [],
    } as never,
    {},
  );
  const { overallResult, errors } = result as { overallResult?: string; errors?: unknown };
  if (!overallResult) throw new Error(`the oracle refused the case: ${JSON.stringify(errors ?? result)}`);
  return overallResult;
}

// --- what requests look like ---------------------------------------------------------------------------------

const TABLE = `arn:aws:dynamodb:us-east-1:${ACCOUNT}:table/toolgate-local`;
const BUCKET = 'arn:aws:s3:::toolgate-local-uploads';
const QUEUE = `arn:aws:sqs:us-east-1:${ACCOUNT}:toolgate-local-jobs`;
const MACHINE = `arn:aws:states:us-east-1:${ACCOUNT}:stateMachine:toolgate-local-ingestion`;
const FUNCTION = `arn:aws:lambda:us-east-1:${ACCOUNT}:function:toolgate-local-steps`;
const LEADING_KEYS = ['CATALOG#1', 'CATALOG#2', 'USER#a', 'USER#ab'];
const PREFIXES = ['users/a/', 'users/b/uploads/', 'tmp/'];

const request: fc.Arbitrary<IamRequest> = fc.oneof(
  fc.record({
    action: fc.constantFrom('dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query', 'dynamodb:UpdateItem'),
    resource: fc.constantFrom(TABLE, `${TABLE}/index/gsi1`, `arn:aws:dynamodb:eu-west-1:${ACCOUNT}:table/other`),
    context: fc.oneof(
      fc.constant({}),
      fc
        .uniqueArray(fc.constantFrom(...LEADING_KEYS), { maxLength: 2 })
        .map((keys) => ({ 'dynamodb:LeadingKeys': keys })),
    ),
  }),
  fc.record({
    action: fc.constantFrom('s3:GetObject', 's3:PutObject', 's3:DeleteObject', 's3:PutObjectTagging'),
    resource: fc.constantFrom(`${BUCKET}/users/a/uploads/x`, `${BUCKET}/tmp/x`, 'arn:aws:s3:::other/users/a'),
  }),
  fc.record({
    action: fc.constant('s3:ListBucket'),
    resource: fc.constantFrom(BUCKET, 'arn:aws:s3:::other'),
    context: fc.oneof(
      fc.constant({}),
      fc.constantFrom(...PREFIXES).map((prefix) => ({ 's3:prefix': [prefix] })),
    ),
  }),
  fc.record({
    action: fc.constantFrom('sqs:SendMessage', 'sqs:ReceiveMessage', 'sqs:DeleteMessage'),
    resource: fc.constantFrom(QUEUE, `${QUEUE}-dlq`),
  }),
  fc.record({ action: fc.constant('states:StartExecution'), resource: fc.constantFrom(MACHINE, `${MACHINE}-2`) }),
  fc.record({
    action: fc.constantFrom('bedrock:InvokeModel', 'bedrock:InvokeModelWithResponseStream'),
    resource: fc.constantFrom(
      'arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-lite-v1:0',
      `arn:aws:bedrock:us-east-1:${ACCOUNT}:inference-profile/us.amazon.nova-lite-v1:0`,
      'arn:aws-us-gov:bedrock:us-gov-west-1::foundation-model/amazon.nova-lite-v1:0',
    ),
  }),
  fc.record({ action: fc.constant('lambda:InvokeFunction'), resource: fc.constantFrom(FUNCTION, `${FUNCTION}:live`) }),
);

// --- what statements look like -------------------------------------------------------------------------------

const ACTION_PATTERNS = [
  'dynamodb:GetItem',
  'dynamodb:getitem',
  'dynamodb:*',
  'dynamodb:*Item',
  'dynamodb:Query',
  's3:GetObject',
  's3:*Object',
  's3:Get*',
  's3:ListBucket',
  's3:*',
  'sqs:?eceiveMessage',
  'sqs:SendMessage',
  'states:StartExecution',
  'bedrock:InvokeModel*',
  'bedrock:InvokeModel',
  'lambda:InvokeFunction',
  '*',
];
const RESOURCE_PATTERNS = [
  TABLE,
  `${TABLE}/index/*`,
  `${TABLE}*`,
  'arn:aws:dynamodb:*:*:table/toolgate-*',
  `${BUCKET}/users/*`,
  `${BUCKET}/users/?/uploads/*`,
  `${BUCKET}/*`,
  BUCKET,
  'arn:aws:s3:::*',
  QUEUE,
  'arn:aws:sqs:us-east-1:*:toolgate-local-*',
  MACHINE,
  'arn:aws:bedrock:*::foundation-model/*',
  'arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-lite-v1:0',
  `arn:aws:bedrock:*:${ACCOUNT}:inference-profile/*`,
  'arn:*:bedrock:*::foundation-model/amazon.nova-lite-v1:0',
  FUNCTION,
  `${FUNCTION}:*`,
  '*',
];
const OPERATORS = [
  'StringEquals',
  'StringNotEquals',
  'StringLike',
  'StringNotLike',
  'StringLikeIfExists',
  'ForAllValues:StringLike',
  'ForAllValues:StringEquals',
  'ForAnyValue:StringLike',
  'ForAnyValue:StringEquals',
];
const condition = fc.oneof(
  fc.record({
    operator: fc.constantFrom(...OPERATORS),
    key: fc.constant('dynamodb:LeadingKeys'),
    values: fc.uniqueArray(fc.constantFrom('CATALOG#*', 'CATALOG#1', 'USER#?', 'USER#a', '*'), {
      minLength: 1,
      maxLength: 2,
    }),
  }),
  fc.record({
    operator: fc.constantFrom(...OPERATORS.filter((operator) => !operator.startsWith('For'))),
    key: fc.constant('s3:prefix'),
    values: fc.uniqueArray(fc.constantFrom('users/*', 'users/a/', 'tmp/', '*'), { minLength: 1, maxLength: 2 }),
  }),
  fc.record({
    operator: fc.constant('Null'),
    key: fc.constantFrom('dynamodb:LeadingKeys', 's3:prefix'),
    values: fc.constantFrom(['true'], ['false']),
  }),
);
const statement: fc.Arbitrary<IamStatement> = fc
  .record({
    actions: fc.uniqueArray(fc.constantFrom(...ACTION_PATTERNS), { minLength: 1, maxLength: 3 }),
    resources: fc.uniqueArray(fc.constantFrom(...RESOURCE_PATTERNS), { minLength: 1, maxLength: 3 }),
    conditions: fc.array(condition, { maxLength: 2 }),
  })
  .map(({ actions, resources, conditions }) => {
    const block: Record<string, Record<string, string[]>> = {};
    for (const { operator, key, values } of conditions) {
      block[operator] = { ...block[operator], [key]: [...values] };
    }
    return { actions, resources, ...(conditions.length > 0 ? { conditions: block } : {}) };
  });

describe('the local IAM evaluator', () => {
  it('decides as the policy simulator does on generated statements and requests', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(statement, { minLength: 1, maxLength: 3 }), request, async (statements, req) => {
        expect(evaluate(statements, req)).toBe(await oracle(statements, req));
      }),
      { numRuns: 1000 },
    );
  }, 60_000);

  // The traps the generated cases must cover, named, so that a regression in one of them says which.
  const cases: [string, IamStatement[], IamRequest, 'Allowed' | 'ImplicitlyDenied'][] = [
    [
      'ForAllValues allows a request with no leading keys at all (a Scan)',
      [
        {
          actions: ['dynamodb:Scan'],
          resources: [TABLE],
          conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['CATALOG#*'] } },
        },
      ],
      { action: 'dynamodb:Scan', resource: TABLE, context: {} },
      'Allowed',
    ],
    [
      'ForAllValues denies a key outside the pattern',
      [
        {
          actions: ['dynamodb:GetItem'],
          resources: [TABLE],
          conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['CATALOG#*'] } },
        },
      ],
      { action: 'dynamodb:GetItem', resource: TABLE, context: { 'dynamodb:LeadingKeys': ['USER#a'] } },
      'ImplicitlyDenied',
    ],
    [
      'a table grant does not cover its indexes',
      [{ actions: ['dynamodb:Query'], resources: [TABLE] }],
      { action: 'dynamodb:Query', resource: `${TABLE}/index/gsi1` },
      'ImplicitlyDenied',
    ],
    [
      'an object grant does not cover ListBucket on the bucket',
      [{ actions: ['s3:*'], resources: [`${BUCKET}/users/*`] }],
      { action: 's3:ListBucket', resource: BUCKET },
      'ImplicitlyDenied',
    ],
    [
      'a prefix-conditioned ListBucket does not apply without a prefix in the request',
      [{ actions: ['s3:ListBucket'], resources: [BUCKET], conditions: { StringLike: { 's3:prefix': ['users/*'] } } }],
      { action: 's3:ListBucket', resource: BUCKET, context: {} },
      'ImplicitlyDenied',
    ],
    [
      'a partition wildcard covers GovCloud model ARNs',
      [{ actions: ['bedrock:InvokeModel'], resources: ['arn:*:bedrock:*::foundation-model/amazon.nova-lite-v1:0'] }],
      {
        action: 'bedrock:InvokeModel',
        resource: 'arn:aws-us-gov:bedrock:us-gov-west-1::foundation-model/amazon.nova-lite-v1:0',
      },
      'Allowed',
    ],
  ];
  it.each(cases)('%s', async (_name, statements, req, expected) => {
    expect(evaluate(statements, req)).toBe(expected);
    expect(await oracle(statements, req)).toBe(expected);
  });

  it('refuses what it cannot judge instead of guessing', () => {
    const req = { action: 's3:GetObject', resource: `${BUCKET}/users/a/x` };
    expect(() =>
      evaluate(
        [
          {
            actions: ['s3:GetObject'],
            resources: ['*'],
            conditions: { DateGreaterThan: { 'aws:CurrentTime': ['2020-01-01'] } },
          },
        ],
        req,
      ),
    ).toThrow(UnsupportedPolicyError);
    expect(() =>
      evaluate(
        [
          {
            actions: ['s3:GetObject'],
            resources: ['*'],
            // biome-ignore lint/suspicious/noTemplateCurlyInString: the literal text IAM would substitute
            conditions: { StringLike: { 's3:prefix': ['users/${aws:username}/'] } },
          },
        ],
        req,
      ),
    ).toThrow(UnsupportedPolicyError);
  });
});
