import type { Caller } from '../auth/verifier';
import type { CatalogRepository } from '../catalog/aws/repository';
import type { Product } from '../catalog/schema';
import type { UsageStore } from '../limits/aws/usage';
import type { FixedWindow } from '../limits/windows';
import { ALL_SCOPES } from '../scopes';

/** Test doubles for the agent's collaborators: in memory, no AWS. */

export const caller = (sub = 'user-a', scopes: readonly string[] = ALL_SCOPES): Caller => ({
  sub,
  scopes,
  clientId: 'test-client',
});

const product = (
  id: string,
  name: string,
  category: Product['category'],
  priceCents: number,
  tags: string[],
): Product => ({
  id,
  name,
  description: `${name}, for tests`,
  category,
  priceCents,
  currency: 'USD',
  tags,
  inStock: true,
  updatedAt: '2026-10-02T12:00:00.000Z',
});

export const PRODUCTS: Product[] = [
  product('gpu-a10g-hour', 'GPU A10G hour', 'compute', 120, ['gpu', 'inference']),
  product('gpu-l4-hour', 'GPU L4 hour', 'compute', 80, ['gpu', 'inference']),
  product('gpu-h100-hour', 'GPU H100 hour', 'compute', 450, ['gpu', 'training']),
  product('cpu-batch-worker', 'CPU batch worker', 'compute', 12, ['cpu', 'batch']),
  product('spot-gpu-hour', 'Spot GPU hour', 'compute', 60, ['gpu', 'spot']),
  product('arm-inference-node', 'Arm inference node', 'compute', 30, ['arm', 'cpu']),
  product('edge-inference-unit', 'Edge inference unit', 'compute', 45, ['edge']),
  product('fine-tuning-run', 'Fine-tuning run', 'compute', 2500, ['training']),
  product('vector-index-1m', 'Vector index 1M', 'storage', 900, ['vector', 'search']),
];

export function memoryCatalog(products: Product[] = PRODUCTS): CatalogRepository {
  return {
    async get(id) {
      return products.find((p) => p.id === id) ?? null;
    },
    async list({ q, category, limit }) {
      const words = q?.toLowerCase().split(/\s+/).filter(Boolean) ?? [];
      const items = products.filter(
        (p) =>
          (!category || p.category === category) &&
          words.every((word) => [p.name, p.description, ...p.tags].join(' ').toLowerCase().includes(word)),
      );
      return { items: items.slice(0, limit), nextCursor: null };
    },
  };
}

/** The UsageStore contract in memory (the DynamoDB one is exercised end to end against dynalite). */
export function memoryUsage(): UsageStore & { counts: Map<string, number> } {
  const counts = new Map<string, number>();
  return {
    counts,
    async hit(sub, counter, window: FixedWindow, limit, cost = 1) {
      const key = `${sub}|${counter}|${window.key}`;
      const count = counts.get(key) ?? 0;
      if (count + cost > limit) return { allowed: false, count: limit };
      counts.set(key, count + cost);
      return { allowed: true, count: count + cost };
    },
    async release(sub, counter, window: FixedWindow, cost = 1) {
      const key = `${sub}|${counter}|${window.key}`;
      const count = counts.get(key) ?? 0;
      if (count >= cost) counts.set(key, count - cost);
    },
    async addTokens(sub, month, tokens) {
      const key = `${sub}|tokens|${month.key}`;
      counts.set(key, (counts.get(key) ?? 0) + tokens);
      return counts.get(key) ?? 0;
    },
    async tokensUsed(sub, month) {
      return counts.get(`${sub}|tokens|${month.key}`) ?? 0;
    },
  };
}
