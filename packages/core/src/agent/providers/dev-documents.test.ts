import { describe, expect, it } from 'vitest';
import { createDevProvider, readDocumentQuery } from './dev';

const documentSearch = { name: 'document_search', description: 'search documents', inputSchema: { type: 'object' } };
const catalogSearch = { name: 'catalog_search', description: 'search catalog', inputSchema: { type: 'object' } };

describe('dev model and documents', () => {
  it('reads what to search the caller’s documents for', () => {
    expect(readDocumentQuery('Which of my documents mention zebras?')).toBe('zebra');
    expect(readDocumentQuery('search my uploaded files for walrus')).toBe('walrus');
    expect(readDocumentQuery('what documents do I have?')).toBe('');
    expect(readDocumentQuery('find the cheapest gpu')).toBeNull();
  });

  it('calls document_search (not the catalog) and answers from its result', async () => {
    const model = createDevProvider();
    const tools = [catalogSearch, documentSearch];
    const first = await model.converse({
      messages: [{ role: 'user', content: 'search my documents for invoices' }],
      tools,
      maxOutputTokens: 100,
    });
    expect(first.message.toolCalls).toEqual([
      { id: 'dev_1', name: 'document_search', input: { q: 'invoice', limit: 5 } },
    ]);
    const second = await model.converse({
      messages: [
        { role: 'user', content: 'search my documents for invoices' },
        first.message,
        {
          role: 'tool',
          toolCallId: 'dev_1',
          name: 'document_search',
          content: JSON.stringify({ items: [{ id: 'd1', filename: 'march.csv', summary: 'Invoices of March.' }] }),
        },
      ],
      tools,
      maxOutputTokens: 100,
    });
    expect(second.message.content).toBe(
      'I found 1 document of yours matching "invoice":\n- march.csv (d1): Invoices of March.',
    );
  });

  it('leaves messages about documents to the catalog when the caller has no document tools', async () => {
    const response = await createDevProvider().converse({
      messages: [{ role: 'user', content: 'find gpu docs' }],
      tools: [catalogSearch],
      maxOutputTokens: 100,
    });
    expect(response.message.toolCalls?.[0]?.name).toBe('catalog_search');
  });
});
