import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CATALOG_PAGE } from './catalog/schema';
import { DEFAULT_CONCURRENCY_BUDGET, DEFAULT_GATEWAY_THROTTLING } from './concurrency';
import { gatewayRateDemand } from './deploy/gateway';
import { JobsConfigSchema } from './jobs/config';
import { DEFAULT_PLAN_LIMITS, DEFAULT_PUBLIC_LIMITS } from './limits/plans';
import { manifest } from './manifest';
import { RATE_CLASSES } from './manifest/types';
import { DOCUMENTS_PAGE } from './uploads/schema';
import { EXCERPT_MAX_BYTES } from './workflows/ingestion-steps';

/**
 * The gateway ADR and docs/limits.md quote the defaults; a default changed in code and not in the docs would make
 * them wrong without anyone noticing. Whitespace is collapsed so that table padding does not matter.
 */
const read = (path: string) => readFileSync(new URL(`../../../${path}`, import.meta.url), 'utf8').replace(/\s+/g, ' ');
const n = (value: number) => value.toLocaleString('en-US');

const { free, pro } = DEFAULT_PLAN_LIMITS;
const bucket = DEFAULT_PUBLIC_LIMITS;

describe('the defaults the docs quote are the code’s', () => {
  it('docs/adr/0001-api-gateway.md', () => {
    const adr = read('docs/adr/0001-api-gateway.md');
    const { stage, publicRoutes } = DEFAULT_GATEWAY_THROTTLING;
    expect(adr).toContain(`| ${n(stage.rateLimit)} rps, burst ${n(stage.burstLimit)} |`);
    expect(adr).toContain(`| ${n(publicRoutes.rateLimit)} rps, burst ${n(publicRoutes.burstLimit)} |`);
    const jwt = manifest.filter((route) => route.auth.kind === 'jwt').length;
    expect(adr).toContain(
      `${jwt} jwt routes x ${n(stage.rateLimit)} + ${manifest.length - jwt} open routes x ${n(publicRoutes.rateLimit)} = ` +
        `${n(gatewayRateDemand(DEFAULT_GATEWAY_THROTTLING))} rps`,
    );
    expect(adr).toContain(
      `burst ${bucket.burst}, refill ${bucket.refillPerSecond}/s, ${n(bucket.maxTrackedClients)} IPs tracked`,
    );
    const [f, p] = [free.requestsPerMinute, pro.requestsPerMinute];
    expect(adr).toContain(
      `free: standard ${f.standard}, tools ${f.tools}, chat ${f.chat} per minute; pro: ${p.standard} / ${p.tools} / ${p.chat}`,
    );
    expect(adr).toContain(`free ${n(free.chatTokensPerMonth)}, pro ${n(pro.chatTokensPerMonth)} tokens`);
    const reserved = Object.entries(DEFAULT_CONCURRENCY_BUDGET).map(([tier, count]) => `${tier} ${count}`);
    expect(adr).toContain(`| ${reserved.join(', ')} |`);
  });

  it('docs/limits.md', () => {
    const limits = read('docs/limits.md');
    for (const [plan, { requestsPerMinute: r, chatTokensPerMonth }] of Object.entries(DEFAULT_PLAN_LIMITS)) {
      expect(limits).toContain(`| ${plan} | ${r.standard} | ${r.tools} | ${r.chat} | ${n(chatTokensPerMonth)} |`);
    }
    expect(limits).toContain(`burst **${bucket.burst}**, refill **${bucket.refillPerSecond}/s**`);
    expect(limits).toContain(`at most **${n(bucket.maxTrackedClients)}** IPs tracked`);
    // The route-class table lists every api route in its class, and nothing else.
    for (const rateClass of RATE_CLASSES) {
      const row = limits.split(`| \`${rateClass}\` | `)[1]?.split(' |')[0] ?? '';
      const listed = [...row.matchAll(/`([^`]+)`/g)].map((match) => match[1]);
      const expected = manifest
        .filter((route) => route.tier === 'api' && (route.rateClass ?? 'standard') === rateClass)
        .map((route) => `${route.method} ${route.path}`);
      expect(listed.sort(), rateClass).toEqual(expected.sort());
    }
    expect(limits).toContain(
      `Reserved concurrency** of the public tier (${DEFAULT_CONCURRENCY_BUDGET.public} by default)`,
    );
  });
});

/** Every file under these folders, by path relative to the repository root (no dependencies, no build output). */
function repoFiles(): string[] {
  const root = new URL('../../../', import.meta.url);
  const found: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(new URL(dir, root), { withFileTypes: true })) {
      if (entry.name === 'node_modules' || entry.name.startsWith('.')) continue;
      const path = `${dir}${entry.name}`;
      if (entry.isDirectory()) walk(`${path}/`);
      else found.push(path);
    }
  };
  for (const dir of ['packages/', 'tests/', 'scripts/']) walk(dir);
  return found;
}

describe('every claim of the gateway ADR is true', () => {
  const raw = readFileSync(new URL('../../../docs/adr/0001-api-gateway.md', import.meta.url), 'utf8');
  const adr = raw.replace(/\s+/g, ' ');

  it('names only tests and scripts that exist', () => {
    const files = repoFiles();
    const cited = [...raw.matchAll(/`([\w./-]+\.(?:test\.ts|mjs))`/g)].map((match) => match[1] as string);
    expect(cited.length).toBeGreaterThan(10);
    for (const path of new Set(cited)) {
      const exists = path.includes('/')
        ? existsSync(new URL(`../../../${path}`, import.meta.url))
        : files.some((file) => file.endsWith(`/${path}`));
      expect(exists, path).toBe(true);
    }
  });

  it('finds drift with sst refresh (a preview cannot see it), and claims no CDN', () => {
    expect(adr).toContain('pnpm sst refresh --stage <s>');
    expect(adr).not.toMatch(/sst diff[^.]*shows drift/);
    expect(adr).not.toMatch(/CDN-cacheable|cached by the CDN/i);
  });

  it('has the template’s consequences (Positive / Negative / Risks) and a payload policy for large responses', () => {
    const consequences = raw.split('## Consequences')[1] ?? '';
    expect(consequences.match(/^### (\w+)/gm)).toEqual(['### Positive', '### Negative', '### Risks']);
    expect(adr).toContain('**Large responses.**');
    expect(adr).toContain(
      `catalog at most ${CATALOG_PAGE.maxLimit} items a page, documents at most ${DOCUMENTS_PAGE.maxLimit}`,
    );
    expect(adr).toContain(`Job results over ${JobsConfigSchema.parse({}).inlineResultMaxBytes / 1024} KB`);
    expect(adr).toContain(`an excerpt of at most ${EXCERPT_MAX_BYTES / 1024} KB`);
  });
});
