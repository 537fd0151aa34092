/**
 * The ADR's cost model, executable: `pnpm cost --requests <per month>`. Prices are on-demand list prices for
 * us-east-1 in USD, dated, each with the page it comes from. Free tiers are ignored (they end or do not apply at
 * the volumes where the choice matters). Check the sources before relying on a figure: prices change.
 */

export interface PriceTier {
  /** Requests (or units) up to which this price applies, cumulative over the month. */
  upTo: number;
  perMillion: number;
}

export const PRICES = {
  asOf: '2026-11-24',
  region: 'us-east-1',
  currency: 'USD',
  httpApi: {
    source: 'https://aws.amazon.com/api-gateway/pricing/',
    note: 'HTTP APIs, metered per request in 512 KB increments',
    tiers: [
      { upTo: 300e6, perMillion: 1.0 },
      { upTo: Number.POSITIVE_INFINITY, perMillion: 0.9 },
    ] as PriceTier[],
  },
  restApi: {
    source: 'https://aws.amazon.com/api-gateway/pricing/',
    note: 'REST APIs, per request (caching extra)',
    tiers: [
      { upTo: 333e6, perMillion: 3.5 },
      { upTo: 1_000e6, perMillion: 2.8 },
      { upTo: 20_000e6, perMillion: 2.38 },
      { upTo: Number.POSITIVE_INFINITY, perMillion: 1.51 },
    ] as PriceTier[],
  },
  lambda: {
    source: 'https://aws.amazon.com/lambda/pricing/',
    requestsPerMillion: 0.2,
    /** Arm (Graviton) duration: $0.0000133334 per GB-second and lower tiers, here per million GB-seconds. */
    arm64PerMillionGbSeconds: [
      { upTo: 7.5e9, perMillion: 0.0000133334 * 1e6 },
      { upTo: 18.75e9, perMillion: 0.0000120001 * 1e6 },
      { upTo: Number.POSITIVE_INFINITY, perMillion: 0.0000106667 * 1e6 },
    ] as PriceTier[],
  },
  dynamodb: {
    source: 'https://aws.amazon.com/dynamodb/pricing/on-demand/',
    readRequestUnitsPerMillion: 0.125,
    writeRequestUnitsPerMillion: 0.625,
  },
  waf: {
    source: 'https://aws.amazon.com/waf/pricing/',
    webAclPerMonth: 5,
    rulePerMonth: 1,
    requestsPerMillion: 0.6,
  },
  cloudfront: {
    source: 'https://aws.amazon.com/cloudfront/pricing/',
    note: 'HTTPS requests, North America ($0.0100 per 10,000); data transfer not modelled',
    httpsRequestsPerMillion: 1.0,
  },
} as const;

export interface Workload {
  requestsPerMonth: number;
  /** Average billed Lambda duration per request, including amortised cold-start init (billed since 2025). */
  averageDurationMs: number;
  memoryMb: number;
  /** DynamoDB read request units per API request (an eventually consistent read of <= 4 KB is 0.5). */
  readUnitsPerRequest: number;
  /** Write request units per API request (a rate-limit counter update on authenticated calls is 1). */
  writeUnitsPerRequest: number;
  /** WAF rules, or null for no WAF. */
  wafRules: number | null;
}

export const DEFAULT_WORKLOAD: Omit<Workload, 'requestsPerMonth'> = {
  averageDurationMs: 100,
  memoryMb: 1024,
  readUnitsPerRequest: 1,
  writeUnitsPerRequest: 0.5,
  wafRules: null,
};

/** Cost of `quantity` units under a tiered per-million price. */
export function tieredCost(quantity: number, tiers: readonly PriceTier[]): number {
  let cost = 0;
  let from = 0;
  for (const tier of tiers) {
    if (quantity <= from) break;
    const inTier = Math.min(quantity, tier.upTo) - from;
    cost += (inTier / 1e6) * tier.perMillion;
    from = tier.upTo;
  }
  return cost;
}

export interface CostLine {
  item: string;
  /** Monthly USD with an HTTP API in front, and with a REST API in front. */
  httpApi: number;
  restApi: number;
  basis: string;
}

export interface CostEstimate {
  workload: Workload;
  lines: CostLine[];
  total: { httpApi: number; restApi: number };
}

export function estimate(workload: Workload): CostEstimate {
  const requests = workload.requestsPerMonth;
  const millions = requests / 1e6;
  const gbSeconds = requests * (workload.averageDurationMs / 1000) * (workload.memoryMb / 1024);
  const lambdaCompute = tieredCost(gbSeconds, PRICES.lambda.arm64PerMillionGbSeconds);
  const reads = millions * workload.readUnitsPerRequest * PRICES.dynamodb.readRequestUnitsPerMillion;
  const writes = millions * workload.writeUnitsPerRequest * PRICES.dynamodb.writeRequestUnitsPerMillion;

  const lines: CostLine[] = [
    {
      item: 'API Gateway requests',
      httpApi: tieredCost(requests, PRICES.httpApi.tiers),
      restApi: tieredCost(requests, PRICES.restApi.tiers),
      basis: 'HTTP $1.00/M (first 300M, then $0.90); REST $3.50/M (first 333M, then less)',
    },
    {
      item: 'Lambda requests',
      httpApi: millions * PRICES.lambda.requestsPerMillion,
      restApi: millions * PRICES.lambda.requestsPerMillion,
      basis: '$0.20/M invocations',
    },
    {
      item: 'Lambda compute (arm64)',
      httpApi: lambdaCompute,
      restApi: lambdaCompute,
      basis: `${workload.memoryMb} MB x ${workload.averageDurationMs} ms = ${Math.round(gbSeconds).toLocaleString('en-US')} GB-s`,
    },
    {
      item: 'DynamoDB reads (on-demand)',
      httpApi: reads,
      restApi: reads,
      basis: `${workload.readUnitsPerRequest} RRU/request at $0.125/M`,
    },
    {
      item: 'DynamoDB writes (on-demand)',
      httpApi: writes,
      restApi: writes,
      basis: `${workload.writeUnitsPerRequest} WRU/request at $0.625/M`,
    },
  ];

  if (workload.wafRules !== null) {
    const waf =
      PRICES.waf.webAclPerMonth +
      workload.wafRules * PRICES.waf.rulePerMonth +
      millions * PRICES.waf.requestsPerMillion;
    // WAF cannot be attached to an HTTP API: it goes on a CloudFront distribution in front of it.
    const cloudfront = millions * PRICES.cloudfront.httpsRequestsPerMillion;
    lines.push(
      {
        item: `WAF (1 web ACL, ${workload.wafRules} rules)`,
        httpApi: waf,
        restApi: waf,
        basis: '$5/ACL + $1/rule per month + $0.60/M requests',
      },
      {
        item: 'CloudFront (HTTP API needs it for WAF)',
        httpApi: cloudfront,
        restApi: 0,
        basis: '$1.00/M HTTPS requests; REST APIs attach WAF directly',
      },
    );
  }

  const total = lines.reduce(
    (sum, line) => ({ httpApi: sum.httpApi + line.httpApi, restApi: sum.restApi + line.restApi }),
    { httpApi: 0, restApi: 0 },
  );
  return { workload, lines, total };
}

const usd = (value: number) =>
  value.toLocaleString('en-US', { style: 'currency', currency: 'USD', minimumFractionDigits: 2 });

export function formatEstimate(result: CostEstimate): string {
  const { workload } = result;
  const rows = [
    ['component', 'HTTP API', 'REST API', 'basis'],
    ...result.lines.map((line) => [line.item, usd(line.httpApi), usd(line.restApi), line.basis]),
    ['total per month', usd(result.total.httpApi), usd(result.total.restApi), ''],
  ];
  const widths = [0, 1, 2].map((column) => Math.max(...rows.map((row) => row[column]!.length)));
  const render = (row: string[]) =>
    [row[0]!.padEnd(widths[0]!), row[1]!.padStart(widths[1]!), row[2]!.padStart(widths[2]!), row[3]]
      .join('  ')
      .trimEnd();
  const rule = '-'.repeat(widths[0]! + widths[1]! + widths[2]! + 4);
  return [
    `toolgate monthly cost at ${workload.requestsPerMonth.toLocaleString('en-US')} requests`,
    `(${PRICES.region}, ${PRICES.currency}, list prices as of ${PRICES.asOf}, free tiers ignored, data transfer not included)`,
    '',
    render(rows[0]!),
    rule,
    ...rows.slice(1, -1).map(render),
    rule,
    render(rows.at(-1)!),
    '',
    'sources:',
    ...[
      PRICES.httpApi.source,
      PRICES.lambda.source,
      PRICES.dynamodb.source,
      ...(workload.wafRules === null ? [] : [PRICES.waf.source, PRICES.cloudfront.source]),
    ].map((source) => `  ${source}`),
  ].join('\n');
}

/**
 * The volume the gateway ADR decides for. toolgate as shipped carries no production traffic, so this is the planning
 * assumption of a fork at launch, stated once here and quoted by the ADR: 10M requests a month today, growing 5% a
 * month (about 1.8x a year).
 */
export const COST_BASELINE = { requestsPerMonth: 10e6, monthlyGrowth: 0.05, years: 3 } as const;

export interface YearProjection {
  year: number;
  /** Requests over the year. */
  requests: number;
  httpApi: number;
  restApi: number;
  /** What the REST API would cost more over the year (the HTTP API's saving). */
  difference: number;
}

/** Month-by-month costs, compounding the growth, summed per year (each month priced on its own volume tiers). */
export function projectCosts(
  baseline: { requestsPerMonth: number; monthlyGrowth: number; years: number } = COST_BASELINE,
  workload: Omit<Workload, 'requestsPerMonth'> = DEFAULT_WORKLOAD,
): YearProjection[] {
  const years: YearProjection[] = [];
  for (let year = 1; year <= baseline.years; year++) {
    const sum = { year, requests: 0, httpApi: 0, restApi: 0, difference: 0 };
    for (let month = (year - 1) * 12; month < year * 12; month++) {
      const requestsPerMonth = baseline.requestsPerMonth * (1 + baseline.monthlyGrowth) ** month;
      const { total } = estimate({ ...workload, requestsPerMonth });
      sum.requests += requestsPerMonth;
      sum.httpApi += total.httpApi;
      sum.restApi += total.restApi;
    }
    sum.difference = sum.restApi - sum.httpApi;
    years.push(sum);
  }
  return years;
}

/** Whole dollars, as the ADR quotes them. */
export const dollars = (value: number) => `$${Math.round(value).toLocaleString('en-US')}`;

export function formatProjection(projection: readonly YearProjection[]): string {
  const rows = projection.map(
    (year) =>
      `| year ${year.year} | ${Math.round(year.requests / 1e6).toLocaleString('en-US')}M | ${dollars(year.httpApi)} | ` +
      `${dollars(year.restApi)} | ${dollars(year.difference)} |`,
  );
  const total = projection.reduce(
    (sum, year) => ({ httpApi: sum.httpApi + year.httpApi, restApi: sum.restApi + year.restApi }),
    { httpApi: 0, restApi: 0 },
  );
  return [
    '| | requests | HTTP API | REST API | REST costs more by |',
    '|---|---|---|---|---|',
    ...rows,
    `| ${projection.length} years | | ${dollars(total.httpApi)} | ${dollars(total.restApi)} | ${dollars(total.restApi - total.httpApi)} |`,
  ].join('\n');
}
