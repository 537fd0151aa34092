import { describe, expect, it } from 'vitest';
import { caller } from '../testing/agent-fakes';
import { manualClock } from '../testing/clock';
import { memoryUploads } from '../testing/upload-fakes';
import { ToolRegistry } from '../tools/registry';
import type { UploadRecord } from './aws/repository';
import { documentTools, searchWords, snippet } from './tools';

const READY_ID = '11111111-1111-4111-8111-111111111111';
const PENDING_ID = '22222222-2222-4222-8222-222222222222';

function setup() {
  const uploads = memoryUploads(manualClock(Date.parse('2026-11-24T12:00:00Z')));
  const base: UploadRecord = {
    id: READY_ID,
    sub: 'alice',
    filename: 'otters.md',
    contentType: 'text/markdown',
    size: 100,
    status: 'READY',
    createdAt: '2026-11-24T12:00:00.000Z',
    updatedAt: '2026-11-24T12:00:00.000Z',
    readyAt: '2026-11-24T12:00:01.000Z',
    summary: 'Otters hold hands.',
    excerpt: 'Sea otters hold hands while they sleep so they do not drift apart.',
    textChars: 66,
  };
  uploads.items.set(`alice|${READY_ID}`, {
    ...base,
    search: 'otters.md otters hold hands. sea otters hold hands while they sleep',
    gsi1pk: 'DOCS#alice',
    gsi1sk: `x#${READY_ID}`,
  });
  uploads.items.set(`alice|${PENDING_ID}`, { ...base, id: PENDING_ID, status: 'PROCESSING' });
  return new ToolRegistry(documentTools(uploads));
}

describe('document tools', () => {
  it("search the caller's ready documents only, with a snippet around the match", async () => {
    const registry = setup();
    const found = await registry.call('document_search', { q: 'SLEEP otters' }, { caller: caller('alice') });
    expect(found).toEqual({
      items: [
        {
          id: READY_ID,
          filename: 'otters.md',
          summary: 'Otters hold hands.',
          snippet: 'Sea otters hold hands while they sleep so they do not drift apart.',
        },
      ],
    });
    expect(await registry.call('document_search', { q: 'otters' }, { caller: caller('bob') })).toEqual({ items: [] });
    expect(await registry.call('document_search', { q: 'walrus' }, { caller: caller('alice') })).toEqual({ items: [] });
  });

  it('get a ready document of the caller, and 404 for anything else', async () => {
    const registry = setup();
    expect(await registry.call('document_get', { id: READY_ID }, { caller: caller('alice') })).toMatchObject({
      id: READY_ID,
      text: expect.stringContaining('drift apart'),
      truncated: false,
    });
    for (const [sub, id] of [
      ['bob', READY_ID],
      ['alice', PENDING_ID],
    ]) {
      await expect(registry.call('document_get', { id }, { caller: caller(sub) })).rejects.toMatchObject({
        status: 404,
      });
    }
  });

  it('need the documents scope', async () => {
    const registry = setup();
    expect(registry.list(['toolgate/tools']).map((tool) => tool.name)).toEqual([]);
    expect(registry.list(['toolgate/documents']).map((tool) => tool.name)).toEqual(['document_search', 'document_get']);
    await expect(
      registry.call('document_search', { q: 'x' }, { caller: caller('alice', ['toolgate/tools']) }),
    ).rejects.toMatchObject({ status: 403 });
  });

  it('normalize search words and cut long snippets', () => {
    expect(searchWords('  Otter  otter SEA a b c d e ')).toEqual(['otter', 'sea', 'a', 'b', 'c']);
    const hit = { id: READY_ID, filename: 'f', summary: '', excerpt: `${'x'.repeat(400)} needle ${'y'.repeat(400)}` };
    const cut = snippet(hit, ['needle']);
    expect(cut).toMatch(/^\.\.\.x+ needle y+\.\.\.$/);
    expect(cut.length).toBeLessThanOrEqual(306);
  });
});
