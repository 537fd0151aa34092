/** How the dev model (dev.ts) reads a catalog or account question, plans its tool calls, and answers from their results. */
import { CATEGORIES } from '../../catalog/schema';
import type { ChatMessage, ToolCallRequest } from '../provider';

interface Product {
  id: string;
  name: string;
  description?: string;
  priceCents: number;
  category?: string;
  inStock?: boolean;
}

export interface ToolResult {
  name: string;
  input: Record<string, unknown>;
  ok: boolean;
  value: Record<string, unknown>;
}

interface Intent {
  account: boolean;
  ids: string[];
  search: { q?: string; category?: string; limit: number } | null;
  pick: 'cheapest' | 'priciest' | 'first' | 'all';
}

export const STOPWORDS = new Set(
  (
    'a an and any are about be can could do does find for from get give have how i in is it its look list me most my ' +
    'of on or please price prices product products search show tell the their them there these this to under was ' +
    'what which who with you your cheapest cheap expensive priciest lowest highest least best compare every all each ' +
    'catalog details detail cost costs much many buy want need some one option options offer offers available'
  ).split(' '),
);

const SEARCH_WORDS =
  /\b(find|search|look|show|list|which|cheapest|cheap|expensive|priciest|compare|products?|catalog|options?|offers?|buy)\b/;
const ACCOUNT_WORDS = /\b(plan|usage|quota|account|limits?|subscription)\b|tokens? (left|used|remaining)/;

export function singular(word: string): string {
  return word.endsWith('s') ? word.slice(0, -1) : word;
}

export function readIntent(text: string): Intent {
  const lower = text.toLowerCase();
  const words = lower.match(/[a-z0-9][a-z0-9-]*/g) ?? [];
  const ids = [...new Set(words.filter((word) => /^[a-z0-9]+(?:-[a-z0-9]+)+$/.test(word)))].slice(0, 3);
  const category = CATEGORIES.find((name) => words.some((word) => word === name || singular(word) === singular(name)));
  const keyword = words.find(
    (word) =>
      word.length > 1 &&
      !STOPWORDS.has(word) &&
      !ids.includes(word) &&
      !(category && singular(word) === singular(category)) &&
      !ACCOUNT_WORDS.test(word),
  );
  const all = /\b(compare|every|all|each)\b/.test(lower);
  const wantsSearch = SEARCH_WORDS.test(lower) || (category !== undefined && ids.length === 0);
  return {
    account: ACCOUNT_WORDS.test(lower),
    ids,
    search:
      wantsSearch && (keyword || category)
        ? { ...(keyword ? { q: keyword } : {}), ...(category ? { category } : {}), limit: all ? 20 : 5 }
        : null,
    pick: all
      ? 'all'
      : /cheapest|lowest price|least expensive|cheap\b/.test(lower)
        ? 'cheapest'
        : /priciest|most expensive|highest price/.test(lower)
          ? 'priciest'
          : 'first',
  };
}

function parse(content: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(content);
    return value && typeof value === 'object' ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/** The tool calls made (and their results) since the last user message. */
export function resultsSinceLastUser(messages: readonly ChatMessage[]): { text: string; results: ToolResult[] } {
  let start = messages.length - 1;
  while (start >= 0 && messages[start]?.role !== 'user') start--;
  const text = start >= 0 ? (messages[start] as { content: string }).content : '';
  const calls = new Map<string, ToolCallRequest>();
  const results: ToolResult[] = [];
  for (const message of messages.slice(start + 1)) {
    if (message.role === 'assistant') for (const call of message.toolCalls ?? []) calls.set(call.id, call);
    if (message.role === 'tool') {
      const call = calls.get(message.toolCallId);
      results.push({
        name: message.name,
        input: (call?.input as Record<string, unknown>) ?? {},
        ok: !message.isError,
        value: parse(message.content),
      });
    }
  }
  return { text, results };
}

const dollars = (cents: number) => `$${(cents / 100).toFixed(2)}`;
const productLine = (p: Product) => `${p.name} (${p.id}, ${dollars(p.priceCents)})`;

function pickFrom(items: Product[], pick: Intent['pick']): Product[] {
  if (items.length === 0) return [];
  if (pick === 'all') return items;
  const sorted = [...items];
  if (pick === 'cheapest') sorted.sort((a, b) => a.priceCents - b.priceCents || a.id.localeCompare(b.id));
  if (pick === 'priciest') sorted.sort((a, b) => b.priceCents - a.priceCents || a.id.localeCompare(b.id));
  return sorted.slice(0, 1);
}

/** The next tool call the plan needs, or null when everything it needs is known. */
export function nextCall(
  intent: Intent,
  results: ToolResult[],
  available: Set<string>,
): { name: string; input: object } | null {
  const fetched = new Set(results.filter((r) => r.name === 'catalog_get').map((r) => String(r.input.id)));
  if (intent.account && available.has('account_get') && !results.some((r) => r.name === 'account_get')) {
    return { name: 'account_get', input: {} };
  }
  if (available.has('catalog_get')) {
    for (const id of intent.ids) if (!fetched.has(id)) return { name: 'catalog_get', input: { id } };
  }
  if (intent.search && available.has('catalog_search')) {
    const search = results.find((r) => r.name === 'catalog_search');
    if (!search) return { name: 'catalog_search', input: intent.search };
    const items = search.ok ? ((search.value.items as Product[] | undefined) ?? []) : [];
    if (available.has('catalog_get')) {
      for (const product of pickFrom(items, intent.pick)) {
        if (!fetched.has(product.id)) return { name: 'catalog_get', input: { id: product.id } };
      }
    }
  }
  return null;
}

export function errorText(result: ToolResult): string {
  const error = (result.value.error ?? {}) as { detail?: string; title?: string };
  return error.detail ?? error.title ?? 'it failed';
}

export function answer(intent: Intent, results: ToolResult[], toolsOffered: boolean): string {
  if (results.length === 0) {
    if (!toolsOffered && (intent.account || intent.ids.length > 0 || intent.search)) {
      return "I would need tools for that, but your token's scopes grant none (ask for toolgate/tools or toolgate/profile).";
    }
    return (
      'I am the toolgate dev model: offline and deterministic. Ask me to find products ("find the cheapest gpu"), ' +
      'to look up a product ("tell me about gpu-l4-hour") or about your plan and usage.'
    );
  }
  const parts: string[] = [];
  for (const result of results) {
    if (!result.ok) {
      const what = result.name === 'catalog_get' ? `product ${String(result.input.id)}` : result.name;
      parts.push(`I could not get ${what}: ${errorText(result)}`);
    } else if (result.name === 'account_get') {
      const account = result.value as {
        plan?: string;
        usage?: { chatTokens?: number; chatTokensRemaining?: number; month?: string };
        limits?: { requestsPerMinute?: { chat?: number } };
      };
      parts.push(
        `You are on the ${account.plan} plan: ${account.limits?.requestsPerMinute?.chat} chat requests per minute, ` +
          `${account.usage?.chatTokens} chat tokens used in ${account.usage?.month} ` +
          `and ${account.usage?.chatTokensRemaining} left.`,
      );
    } else if (result.name === 'catalog_search') {
      const items = (result.value.items as Product[] | undefined) ?? [];
      const what = [
        result.input.q && `matching "${String(result.input.q)}"`,
        result.input.category && `in ${String(result.input.category)}`,
      ]
        .filter(Boolean)
        .join(' ');
      parts.push(
        items.length === 0
          ? `I found no products ${what}.`
          : `I found ${items.length} product${items.length === 1 ? '' : 's'} ${what}: ${items.map(productLine).join(', ')}.`,
      );
    } else if (result.name === 'catalog_get') {
      const product = result.value as unknown as Product;
      const lead =
        intent.pick === 'cheapest' ? 'The cheapest is ' : intent.pick === 'priciest' ? 'The most expensive is ' : '';
      parts.push(
        `${lead}${productLine(product)}: ${product.description ?? ''}${product.inStock === false ? ' (out of stock)' : ''}`.trim(),
      );
    } else {
      parts.push(`${result.name} returned ${JSON.stringify(result.value)}.`);
    }
  }
  return parts.join('\n');
}
