import { DEV_MODEL_ID } from '../config';
import {
  type AssistantMessage,
  estimateInputTokens,
  estimateTokens,
  type ModelProvider,
  type ModelRequest,
  type ModelResponse,
} from '../provider';
import {
  answer,
  errorText,
  nextCall,
  readIntent,
  resultsSinceLastUser,
  STOPWORDS,
  singular,
  type ToolResult,
} from './dev-plan';
import { pause } from './pause';

/**
 * The dev model: deterministic, offline, instant (unless asked to simulate latency). It reads the last user message,
 * plans tool calls from keywords, makes them one per step (so multi-step tool use really happens: a search, then a
 * lookup of what the search found) and writes its answer from the tool results. It exists so that the whole agent
 * loop — tool choice, execution as the caller, results fed back, step cap, deadline — runs without a model.
 *
 * Try: "find the cheapest gpu", "tell me about gpu-l4-hour", "what is my plan and usage?",
 * "compare every compute product" (more lookups than the step cap allows), "which of my documents mention invoices?"
 * (searches the caller's uploaded documents). A prompt starting "Summarize:" gets the first sentences of the text
 * back, as a stand-in for a summary.
 */

/** "Summarize: <text>" (how a plain completion asks, e.g. for a document summary). */
const SUMMARIZE = /^\s*summari[sz]e\b[^:\n]*[:\n]/i;

/** The first sentences of the text, bounded: deterministic, and a fair stand-in for a summary. */
function summarize(text: string): string {
  const clean = text.replace(/\s+/g, ' ').trim();
  const sentences = clean.match(/[^.!?]+[.!?]*/g) ?? [clean];
  const summary = sentences
    .slice(0, 2)
    .map((sentence) => sentence.trim())
    .join(' ');
  return `Summary: ${summary.length > 300 ? `${summary.slice(0, 297)}...` : summary}`;
}

/** A message about the caller's own files goes to the document tools, never to the catalog. */
const DOCUMENT_WORDS = /^(documents?|docs?|files?|uploads?|uploaded|notes|pdfs?)$/;
const DOCUMENT_QUERY_FILLER = new Set(
  'mention mentions mentioning say says saying contain contains containing talk talks talking search'.split(' '),
);

/** The keyword to search the caller's documents for ('' to list them), or null when the message is not about them. */
export function readDocumentQuery(text: string): string | null {
  const words = text.toLowerCase().match(/[a-z0-9][a-z0-9-]*/g) ?? [];
  if (!words.some((word) => DOCUMENT_WORDS.test(word))) return null;
  const keyword = words.find(
    (word) => word.length > 1 && !STOPWORDS.has(word) && !DOCUMENT_WORDS.test(word) && !DOCUMENT_QUERY_FILLER.has(word),
  );
  // The search matches substrings, so a stem finds both forms: "zebras" → "zebra" matches "zebra" and "zebras".
  return keyword && !/(ss|us|is)$/.test(keyword) ? singular(keyword) : (keyword ?? '');
}

interface DocumentHit {
  id: string;
  filename: string;
  summary?: string;
}

function documentTurn(query: string, results: ToolResult[], id: string): AssistantMessage {
  const search = results.find((result) => result.name === 'document_search');
  if (!search) {
    return {
      role: 'assistant',
      content: '',
      toolCalls: [{ id, name: 'document_search', input: query ? { q: query, limit: 5 } : { limit: 5 } }],
    };
  }
  if (!search.ok) return { role: 'assistant', content: `I could not search your documents: ${errorText(search)}` };
  const items = (search.value.items as DocumentHit[] | undefined) ?? [];
  const what = query ? ` matching "${query}"` : '';
  if (items.length === 0) return { role: 'assistant', content: `I found none of your documents${what}.` };
  const lines = items.map((item) => `- ${item.filename} (${item.id}): ${item.summary ?? ''}`.trimEnd());
  return {
    role: 'assistant',
    content: `I found ${items.length} document${items.length === 1 ? '' : 's'} of yours${what}:\n${lines.join('\n')}`,
  };
}

/**
 * The pieces the dev model "generates" its text in: a word with the whitespace before it, so that the pieces
 * concatenate to the text exactly.
 */
export function devChunks(text: string): string[] {
  return text.match(/\s*\S+|\s+$/g) ?? [];
}

export interface DevProviderOptions {
  /** Simulated latency before each model call answers anything. */
  latencyMs?: number;
  /**
   * Time to generate each chunk (a word) of a text answer, streamed or not, as a real model spends it: with it,
   * streaming is visible locally and a buffered answer takes as long as the stream.
   */
  chunkDelayMs?: number;
}

export function createDevProvider(options: DevProviderOptions = {}): ModelProvider {
  const latencyMs = options.latencyMs ?? 0;
  const chunkDelayMs = options.chunkDelayMs ?? 0;
  return {
    name: 'dev',
    modelId: DEV_MODEL_ID,
    async converse(request: ModelRequest): Promise<ModelResponse> {
      await pause(latencyMs, request.signal);
      const { text, results } = resultsSinceLastUser(request.messages);
      const available = new Set(request.tools.map((tool) => tool.name));
      let message: AssistantMessage;
      const documentQuery = available.has('document_search') ? readDocumentQuery(text) : null;
      if (results.length === 0 && SUMMARIZE.test(text)) {
        message = { role: 'assistant', content: summarize(text.replace(SUMMARIZE, '')) };
      } else if (documentQuery !== null) {
        message = documentTurn(documentQuery, results, `dev_${request.messages.length}`);
      } else {
        const intent = readIntent(text);
        const call = nextCall(intent, results, available);
        message = call
          ? {
              role: 'assistant',
              content: '',
              toolCalls: [{ id: `dev_${request.messages.length}`, name: call.name, input: call.input }],
            }
          : { role: 'assistant', content: answer(intent, results, available.size > 0) };
      }
      for (const chunk of devChunks(message.content)) {
        await pause(chunkDelayMs, request.signal);
        request.onText?.(chunk);
      }
      return {
        message,
        stopReason: message.toolCalls ? 'tool_use' : 'end_turn',
        usage: {
          inputTokens: estimateInputTokens(request),
          outputTokens: estimateTokens(message.content + JSON.stringify(message.toolCalls ?? [])),
        },
      };
    },
  };
}
