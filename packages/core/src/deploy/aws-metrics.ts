/**
 * The AWS-published metrics the dashboard and alarms may use, as data: namespace → metric names and the dimension
 * sets AWS publishes them under. A panel that names anything else (a typo, a dimension set that does not exist)
 * would chart nothing, silently; `unknownMetricReferences` (deploy/dashboard.ts) and `pnpm infra:smoke` refuse it.
 * Sources: the CloudWatch metrics pages of Lambda, HTTP APIs (per route only with detailed metrics on), SQS and
 * Step Functions.
 */
export const AWS_PUBLISHED_METRICS: Readonly<
  Record<string, { metrics: readonly string[]; dimensionSets: readonly (readonly string[])[] }>
> = {
  'AWS/Lambda': {
    // ConcurrentExecutions per function exists for functions with reserved concurrency (which every tier has).
    metrics: ['ConcurrentExecutions', 'Throttles', 'Errors', 'Duration', 'Invocations'],
    dimensionSets: [['FunctionName']],
  },
  'AWS/ApiGateway': {
    metrics: ['Count', '4xx', '5xx', 'Latency', 'IntegrationLatency', 'DataProcessed'],
    dimensionSets: [['ApiId'], ['ApiId', 'Stage'], ['ApiId', 'Method', 'Resource', 'Stage']],
  },
  'AWS/SQS': {
    metrics: [
      'ApproximateNumberOfMessagesVisible',
      'ApproximateNumberOfMessagesNotVisible',
      'ApproximateAgeOfOldestMessage',
      'NumberOfMessagesSent',
      'NumberOfMessagesDeleted',
    ],
    dimensionSets: [['QueueName']],
  },
  'AWS/States': {
    metrics: [
      'ExecutionsStarted',
      'ExecutionsSucceeded',
      'ExecutionsFailed',
      'ExecutionsTimedOut',
      'ExecutionsAborted',
    ],
    dimensionSets: [['StateMachineArn']],
  },
};
