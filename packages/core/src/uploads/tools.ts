import { NotFoundError } from '../errors';
import { scope } from '../scopes';
import { defineTool } from '../tools/registry';
import * as z from '../zod';
import type { DocumentHit, UploadsRepository } from './aws/repository';
import { UploadContentTypeSchema, UploadIdSchema } from './schema';

/** Results go into a model's context window: few, and short. */
const SEARCH_LIMIT = { default: 5, max: 10 } as const;
const SNIPPET_RADIUS = 150;
/** document_get returns at most this much text; the full text stays in S3. */
export const DOCUMENT_TEXT_MAX_CHARS = 8_000;

export const DocumentSearchInputSchema = z.strictObject({
  q: z
    .optional(z.string().check(z.trim(), z.minLength(1), z.maxLength(200)))
    .check(
      z.describe(
        'Words that must all appear in the document (its text, summary or file name); omit to list the newest',
      ),
    ),
  limit: z
    ._default(z.int().check(z.minimum(1), z.maximum(SEARCH_LIMIT.max)), SEARCH_LIMIT.default)
    .check(z.describe('How many documents')),
});

export const DocumentSearchOutputSchema = z.object({
  items: z.array(
    z.object({
      id: UploadIdSchema,
      filename: z.string(),
      summary: z.string(),
      snippet: z.string().check(z.describe('Text around the first match')),
    }),
  ),
});

export const DocumentGetInputSchema = z.strictObject({ id: UploadIdSchema.check(z.describe('The document id')) });

export const DocumentGetOutputSchema = z.object({
  id: UploadIdSchema,
  filename: z.string(),
  contentType: UploadContentTypeSchema,
  size: z.int().check(z.positive()),
  summary: z.string(),
  text: z.string().check(z.describe(`The document text, at most ${DOCUMENT_TEXT_MAX_CHARS} characters`)),
  truncated: z.boolean().check(z.describe('True when the document has more text than returned')),
  readyAt: z.iso.datetime(),
});

/** At most five distinct words, lower-cased like the stored search text. */
export function searchWords(q: string | undefined): string[] {
  return [...new Set((q ?? '').toLowerCase().split(/\s+/).filter(Boolean))].slice(0, 5);
}

export function snippet(hit: DocumentHit, words: readonly string[]): string {
  const text = hit.excerpt.replace(/\s+/g, ' ').trim();
  const lower = text.toLowerCase();
  const at = words.map((word) => lower.indexOf(word)).find((index) => index >= 0) ?? -1;
  if (at < 0) return text.length > 2 * SNIPPET_RADIUS ? `${text.slice(0, 2 * SNIPPET_RADIUS)}...` : text;
  const start = Math.max(0, at - SNIPPET_RADIUS);
  const end = Math.min(text.length, at + SNIPPET_RADIUS);
  return `${start > 0 ? '...' : ''}${text.slice(start, end)}${end < text.length ? '...' : ''}`;
}

/** The caller's own ready documents as tools: every lookup is keyed by the verified sub of the caller. */
export function documentTools(uploads: UploadsRepository) {
  return [
    defineTool({
      name: 'document_search',
      description:
        "Search the caller's own uploaded documents (text, Markdown, CSV, JSON, PDF) by words in their text, summary " +
        'or file name. Returns matching documents with id, file name, summary and a snippet around the match. Use ' +
        'one or two distinctive keywords; follow up with document_get for the text of one document.',
      input: DocumentSearchInputSchema,
      output: DocumentSearchOutputSchema,
      scope: scope('documents'),
      handler: async ({ q, limit }, { caller }) => {
        const words = searchWords(q);
        const hits = await uploads.searchDocuments(caller.sub, { words, limit });
        return {
          items: hits.map((hit) => ({
            id: hit.id,
            filename: hit.filename,
            summary: hit.summary,
            snippet: snippet(hit, words),
          })),
        };
      },
    }),
    defineTool({
      name: 'document_get',
      description:
        "Get one of the caller's uploaded documents by id (from document_search): file name, summary and its text " +
        `(the first ${DOCUMENT_TEXT_MAX_CHARS} characters).`,
      input: DocumentGetInputSchema,
      output: DocumentGetOutputSchema,
      scope: scope('documents'),
      handler: async ({ id }, { caller }) => {
        const record = await uploads.get(caller.sub, id);
        if (record?.status !== 'READY') throw new NotFoundError(`No ready document ${id}.`);
        const excerpt = record.excerpt ?? '';
        const text = excerpt.slice(0, DOCUMENT_TEXT_MAX_CHARS);
        return {
          id: record.id,
          filename: record.filename,
          contentType: record.contentType,
          size: record.size,
          summary: record.summary ?? '',
          text,
          truncated: text.length < excerpt.length || excerpt.length < (record.textChars ?? 0),
          readyAt: record.readyAt ?? record.updatedAt,
        };
      },
    }),
  ];
}
