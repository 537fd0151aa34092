import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  COST_BASELINE,
  DEFAULT_WORKLOAD,
  dollars,
  estimate,
  formatEstimate,
  formatProjection,
  PRICES,
  projectCosts,
  tieredCost,
} from './cost';

const at = (requestsPerMonth: number, wafRules: number | null = null) =>
  estimate({ ...DEFAULT_WORKLOAD, requestsPerMonth, wafRules });

const gateway = (requestsPerMonth: number) =>
  at(requestsPerMonth).lines.find((l) => l.item === 'API Gateway requests')!;

describe('cost model', () => {
  it('prices 100M requests at the published per-million rates: HTTP API $1.00/M, REST API $3.50/M', () => {
    expect(gateway(100e6).httpApi).toBeCloseTo(100 * 1.0, 6);
    expect(gateway(100e6).restApi).toBeCloseTo(100 * 3.5, 6);
  });

  it('uses the published first tiers (us-east-1): HTTP $1.00/M to 300M, REST $3.50/M to 333M', () => {
    expect(PRICES.httpApi.tiers[0]).toEqual({ upTo: 300e6, perMillion: 1.0 });
    expect(PRICES.restApi.tiers[0]).toEqual({ upTo: 333e6, perMillion: 3.5 });
    expect(PRICES.region).toBe('us-east-1');
  });

  it('applies the volume tiers past the first', () => {
    expect(gateway(400e6).httpApi).toBeCloseTo(300 + 100 * 0.9, 6);
    expect(gateway(400e6).restApi).toBeCloseTo(333 * 3.5 + 67 * 2.8, 6);
    expect(tieredCost(0, PRICES.restApi.tiers)).toBe(0);
  });

  it('prices Lambda on arm64 and DynamoDB on-demand', () => {
    const lines = Object.fromEntries(at(100e6).lines.map((line) => [line.item, line.httpApi]));
    expect(lines['Lambda requests']).toBeCloseTo(20, 6);
    // 100M x 0.1 s x 1 GB = 10M GB-s at $0.0000133334
    expect(lines['Lambda compute (arm64)']).toBeCloseTo(133.334, 3);
    expect(lines['DynamoDB reads (on-demand)']).toBeCloseTo(12.5, 6);
    expect(lines['DynamoDB writes (on-demand)']).toBeCloseTo(31.25, 6);
  });

  it('adds WAF to both, and CloudFront to the HTTP API only (WAF cannot attach to an HTTP API)', () => {
    const result = at(100e6, 5);
    const waf = result.lines.find((line) => line.item.startsWith('WAF'))!;
    expect(waf.httpApi).toBeCloseTo(5 + 5 + 60, 6);
    const cloudfront = result.lines.find((line) => line.item.startsWith('CloudFront'))!;
    expect([cloudfront.httpApi, cloudfront.restApi]).toEqual([100, 0]);
  });

  it('prints a dated table with its sources', () => {
    const text = formatEstimate(at(100e6));
    expect(text).toContain('100,000,000 requests');
    expect(text).toMatch(/API Gateway requests\s+\$100\.00\s+\$350\.00/);
    expect(text).toContain(`as of ${PRICES.asOf}`);
    expect(text).toContain('https://aws.amazon.com/api-gateway/pricing/');
    for (const source of [PRICES.httpApi, PRICES.lambda, PRICES.dynamodb, PRICES.waf, PRICES.cloudfront]) {
      expect(source.source).toMatch(/^https:\/\/aws\.amazon\.com\//);
    }
  });
});

describe('the ADR cost model: current volume, yearly differential, 3-year projection', () => {
  const adr = readFileSync(new URL('../../../docs/adr/0001-api-gateway.md', import.meta.url), 'utf8').replace(
    /\s+/g,
    ' ',
  );
  const current = at(COST_BASELINE.requestsPerMonth);
  const usd = (value: number) => `$${value.toFixed(2)}`;

  it('compounds the growth month by month and prices each month on its own tiers', () => {
    const [first, second] = projectCosts();
    let requests = 0;
    for (let month = 0; month < 12; month++) requests += COST_BASELINE.requestsPerMonth * 1.05 ** month;
    expect(first?.requests).toBeCloseTo(requests, 0);
    // At these volumes only the gateway differs, at $2.50 per million more for REST.
    expect(first?.difference).toBeCloseTo((requests / 1e6) * 2.5, 6);
    expect(second!.requests).toBeGreaterThan(first!.requests * 1.7);
    expect(projectCosts({ ...COST_BASELINE, monthlyGrowth: 0 })[2]?.difference).toBeCloseTo(12 * 25, 6);
  });

  it("quotes the code's figures", () => {
    expect(adr).toContain(
      `${COST_BASELINE.requestsPerMonth / 1e6}M requests a month today, growing ${COST_BASELINE.monthlyGrowth * 100}% a month`,
    );
    expect(adr).toContain(
      `${usd(current.total.httpApi)} a month with the HTTP API against ${usd(current.total.restApi)} with a REST API`,
    );
    const yearly = 12 * (current.total.restApi - current.total.httpApi);
    expect(adr).toContain(`Yearly differential at current volume: ${dollars(yearly)}`);
    expect(adr).toContain(formatProjection(projectCosts()).replace(/\s+/g, ' '));
    const saved = projectCosts().reduce((sum, year) => sum + year.difference, 0);
    expect(adr).toContain(`about $${(Math.round(saved / 100) * 100).toLocaleString('en-US')} over three years`);
  });
});
