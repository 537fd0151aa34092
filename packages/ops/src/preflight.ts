import { checkBudget, TIERS, totalReserved, UNRESERVED_MINIMUM } from '@toolgate/core/concurrency';
import { gatewayRateDemand } from '@toolgate/core/deploy/gateway';
import { requiredSecrets } from '@toolgate/core/deploy/secrets';
import { RESERVED_CONCURRENCY_ENV, STAGES_FILE, type StageSettings } from '@toolgate/core/deploy/stages';

/**
 * `pnpm preflight --stage <s>`: what would make `sst deploy` fail or deploy something unsafe, found before it
 * runs. The facts come from AWS (preflight-aws.ts); this module only judges them, so tests inject them. The check
 * before `sst remove` (`--teardown`) is preflight-teardown.ts.
 */

export interface AccountConcurrency {
  /** Lambda's regional quota of concurrent executions (`AccountLimit.ConcurrentExecutions`). */
  limit: number;
  /** What no function has reserved (`AccountLimit.UnreservedConcurrentExecutions`). */
  unreserved: number;
}

export interface PreflightFacts {
  stage: string;
  region: string;
  settings: StageSettings;
  account: AccountConcurrency | Error;
  /** Reserved concurrency this stage's own functions hold already (0 on a first deploy): a redeploy reuses it. */
  ownReserved: number;
  /** Names of the secrets set for the stage (or as fallbacks), or why they could not be listed. */
  secrets: ReadonlySet<string> | Error;
  /** API Gateway's throttle quota for the account in this Region, in requests per second (Service Quotas). */
  gatewayQuota: number | Error;
}

export type FindingLevel = 'ok' | 'warn' | 'fail';

export interface Finding {
  level: FindingLevel;
  title: string;
  detail: string[];
}

export interface PreflightResult {
  ok: boolean;
  findings: Finding[];
}

/** Service Quotas code of "Concurrent executions" for AWS Lambda. */
export const LAMBDA_CONCURRENCY_QUOTA_CODE = 'L-B99A9384';

/**
 * Service Quotas code of API Gateway's "Throttle rate" (service `apigateway`): the requests per second all APIs of
 * the account share in a Region (10,000 by default, 2,500 in some newer Regions). The AWS API Gateway quotas page
 * links its increase request to this code.
 */
export const GATEWAY_THROTTLE_QUOTA_CODE = 'L-8A5B8E43';
export const GATEWAY_SERVICE_CODE = 'apigateway';

function offSwitch(stage: string): string[] {
  return [
    `  1. Deploy with reserved concurrency off. Either set \`reservedConcurrency: 'off'\` for "${stage}" in`,
    `     STAGES in ${STAGES_FILE}, or deploy with the switch every time:`,
    `       ${RESERVED_CONCURRENCY_ENV}=off pnpm sst deploy --stage ${stage}`,
    '     The gateway throttles still apply, but the tiers then share one pool: public traffic can take',
    '     executions the api tier needs.',
    `  2. Ask for a higher quota: Service Quotas > AWS Lambda > Concurrent executions (${LAMBDA_CONCURRENCY_QUOTA_CODE}),`,
    '     then deploy with the budget.',
  ];
}

export function checkConcurrency(facts: PreflightFacts): Finding {
  const { settings, stage, region } = facts;
  const budget = settings.reservedConcurrency;
  if (facts.account instanceof Error) {
    return {
      level: 'fail',
      title: 'Could not read the Lambda concurrency quota',
      detail: [
        `GetAccountSettings failed in ${region}: ${facts.account.message}`,
        'Check your AWS credentials and region (AWS_PROFILE, AWS_REGION), then run preflight again.',
      ],
    };
  }
  const { limit, unreserved } = facts.account;
  if (budget === 'off') {
    return {
      level: 'warn',
      title: 'Reserved concurrency is off for this stage',
      detail: [
        `The tiers share the account's ${limit} concurrent executions in ${region}; nothing isolates the api tier`,
        'from a flood of public traffic except the gateway throttles. Fine for trying toolgate out; turn it back',
        `on (remove the override) once the quota allows ${totalReservedWithMinimum(settings)} or more.`,
      ],
    };
  }

  const reserved = totalReserved(budget);
  const perTier = TIERS.map((tier) => `${tier} ${budget[tier]}`).join(', ');
  const rules = checkBudget(budget, limit);
  const shapeProblems = rules.problems.filter((problem) => !problem.includes('unreserved'));
  if (shapeProblems.length > 0) {
    return {
      level: 'fail',
      title: 'The concurrency budget breaks its own rules',
      detail: [...shapeProblems, `Fix the budget for "${stage}" in ${STAGES_FILE}.`],
    };
  }

  const needed = reserved + UNRESERVED_MINIMUM;
  if (limit < needed) {
    return {
      level: 'fail',
      title: `This account cannot reserve the concurrency budget (quota ${limit}, needs ${needed})`,
      detail: [
        `toolgate reserves ${reserved} concurrent executions (${perTier}) and AWS keeps ${UNRESERVED_MINIMUM}`,
        `unreserved, so the Lambda quota in ${region} must be at least ${needed}; it is ${limit} (new accounts often`,
        'start at 10). `sst deploy` would fail while setting reserved concurrency. To proceed:',
        ...offSwitch(stage),
      ],
    };
  }

  // What this deploy can draw on: the free pool plus what the stage's own functions give back when updated.
  const available = unreserved + facts.ownReserved;
  const left = available - reserved;
  if (left < UNRESERVED_MINIMUM) {
    const others = limit - unreserved - facts.ownReserved;
    return {
      level: 'fail',
      title: `Other functions already reserve too much concurrency (${left} would stay unreserved)`,
      detail: [
        `The quota is ${limit}, other functions in ${region} reserve ${others}, and this stage needs ${reserved}`,
        `(${perTier}); that would leave ${left} unreserved, below AWS's minimum of ${UNRESERVED_MINIMUM}.`,
        `Lower the budget for "${stage}" in ${STAGES_FILE}, free reservations elsewhere, or:`,
        ...offSwitch(stage),
      ],
    };
  }

  return {
    level: 'ok',
    title: `Concurrency budget fits (${reserved} reserved, ${left} of ${limit} left unreserved)`,
    detail: [perTier],
  };
}

function totalReservedWithMinimum(settings: StageSettings): number {
  const budget = settings.reservedConcurrency;
  return budget === 'off' ? UNRESERVED_MINIMUM : totalReserved(budget) + UNRESERVED_MINIMUM;
}

export function checkSecrets(facts: PreflightFacts): Finding {
  const required = requiredSecrets(facts.settings);
  if (facts.secrets instanceof Error) {
    return {
      level: 'fail',
      title: 'Could not list the stage secrets',
      detail: [
        `\`sst secret list --stage ${facts.stage}\` failed: ${facts.secrets.message}`,
        `Required: ${required.map((spec) => spec.name).join(', ')}.`,
      ],
    };
  }
  const names = facts.secrets;
  const missing = required.filter((spec) => !names.has(spec.name));
  if (missing.length === 0) {
    return {
      level: 'ok',
      title: `Secrets set (${required.map((spec) => spec.name).join(', ')})`,
      detail: [],
    };
  }
  return {
    level: 'fail',
    title: `Missing secret${missing.length > 1 ? 's' : ''}: ${missing.map((spec) => spec.name).join(', ')}`,
    detail: missing.flatMap((spec) => [
      `${spec.name} ${spec.purpose}. Get it from ${spec.source}`,
      `  pnpm sst secret set ${spec.name} <value> --stage ${facts.stage}`,
    ]),
  };
}

/**
 * Every route's throttle is its own bucket, and all of them draw on the account's throttle for the Region, which every
 * other API of the account shares: the stage's routes together must fit under it.
 */
export function checkGatewayThrottle(facts: PreflightFacts): Finding {
  const { throttling } = facts.settings;
  const demand = gatewayRateDemand(throttling);
  const perRoute = `${throttling.stage.rateLimit} rps per authenticated route, ${throttling.publicRoutes.rateLimit} rps per open route`;
  if (facts.gatewayQuota instanceof Error) {
    return {
      level: 'fail',
      title: 'Could not read the API Gateway throttle quota',
      detail: [
        `Service Quotas GetServiceQuota (${GATEWAY_SERVICE_CODE}, ${GATEWAY_THROTTLE_QUOTA_CODE}) failed in ${facts.region}: ${facts.gatewayQuota.message}`,
        `The stage's routes together allow ${demand} rps (${perRoute}); check that your account's quota is above it.`,
      ],
    };
  }
  const quota = facts.gatewayQuota;
  if (demand > quota) {
    return {
      level: 'fail',
      title: `The routes' throttles add up to ${demand} rps, above the account's API Gateway quota of ${quota} rps`,
      detail: [
        `Every route is throttled separately (${perRoute}), and all of them share the account's ${quota} rps in`,
        `${facts.region} with every other API there: past it, API Gateway answers 429 on any route, whatever its own`,
        'throttle says. To proceed, either:',
        `  1. lower \`throttling\` for "${facts.stage}" in ${STAGES_FILE}, or`,
        `  2. ask for more: Service Quotas > Amazon API Gateway > Throttle rate (${GATEWAY_THROTTLE_QUOTA_CODE}).`,
      ],
    };
  }
  return {
    level: 'ok',
    title: `Route throttles fit the account's API Gateway quota (${demand} of ${quota} rps)`,
    detail: [`${perRoute}; other APIs in ${facts.region} share the remaining ${quota - demand} rps.`],
  };
}

export function preflight(facts: PreflightFacts): PreflightResult {
  const findings = [checkConcurrency(facts), checkGatewayThrottle(facts), checkSecrets(facts)];
  return { ok: findings.every((finding) => finding.level !== 'fail'), findings };
}

const MARK: Record<FindingLevel, string> = { ok: 'ok  ', warn: 'warn', fail: 'FAIL' };

export function formatReport(
  facts: Pick<PreflightFacts, 'stage' | 'region'>,
  result: PreflightResult,
  ready = 'Ready to deploy.',
): string {
  const lines = [`preflight for stage "${facts.stage}" in ${facts.region}`, ''];
  for (const finding of result.findings) {
    lines.push(`[${MARK[finding.level]}] ${finding.title}`);
    for (const line of finding.detail) lines.push(`       ${line}`);
  }
  lines.push('', result.ok ? ready : 'Not ready: fix the failures above, then run preflight again.');
  return lines.join('\n');
}

/**
 * Names from `sst secret list` output (`# fallback` / `# app/stage` headers, then `Name=value` lines). The values
 * are dropped here and never printed.
 */
export function parseSecretNames(output: string): Set<string> {
  const names = new Set<string>();
  // biome-ignore lint/suspicious/noControlCharactersInRegex: strips the terminal colour codes sst may print
  const plain = output.replace(/\u001b\[[0-9;]*m/g, '');
  for (const line of plain.split(/\r?\n/)) {
    const match = /^([A-Z][A-Za-z0-9_]*)=/.exec(line.trim());
    if (match) names.add(match[1] as string);
  }
  return names;
}
