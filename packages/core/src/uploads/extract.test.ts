import { deflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { minimalPdf } from '../testing/pdf';
import { DocumentRejectedError } from '../workflows/errors';
import { contentStreamText, extractText, MAX_TEXT_CHARS, normalizeText } from './extract';

const bytes = (text: string) => new TextEncoder().encode(text);

describe('extractText', () => {
  it('decodes text, Markdown and CSV as UTF-8, without the BOM, with normalized whitespace', () => {
    expect(extractText('text/plain', bytes('\uFEFFHéllo\r\nwörld  \r\n\r\n\r\n\r\nend\u0007'))).toEqual({
      text: 'Héllo\nwörld\n\nend',
      truncated: false,
    });
    expect(extractText('text/markdown', bytes('# Title\n\n- item')).text).toBe('# Title\n\n- item');
    expect(extractText('text/csv', bytes('a,b\n1,2\n')).text).toBe('a,b\n1,2');
  });

  it('rejects what is not UTF-8, not JSON, or has no text, as a permanent failure with a reason', () => {
    const reject = (type: Parameters<typeof extractText>[0], body: Uint8Array) => () => extractText(type, body);
    expect(reject('text/plain', new Uint8Array([0x63, 0xe9]))).toThrow(DocumentRejectedError);
    expect(reject('text/plain', new Uint8Array([0x63, 0xe9]))).toThrow('The file is not valid UTF-8 text.');
    expect(reject('application/json', bytes('{"a":'))).toThrow('The file is not valid JSON.');
    expect(reject('text/plain', bytes(' \n\t '))).toThrow('The document contains no text.');
    expect(extractText('application/json', bytes('{"a": [1, 2]}')).text).toBe('{"a": [1, 2]}');
  });

  it('truncates very long text and says so', () => {
    const result = extractText('text/plain', bytes('x'.repeat(MAX_TEXT_CHARS + 10)));
    expect(result.truncated).toBe(true);
    expect(result.text).toHaveLength(MAX_TEXT_CHARS);
  });
});

describe('PDF text, best effort', () => {
  const page = 'BT /F1 12 Tf 72 720 Td (Quarterly report) Tj 0 -14 Td [(Reve) 20 (nue ) -250 (grew.)] TJ ET';

  it('reads text operators from plain and Flate-compressed content streams', () => {
    for (const compress of [false, true]) {
      expect(extractText('application/pdf', minimalPdf(page, { compress })).text).toBe(
        'Quarterly report\nRevenue grew.',
      );
    }
  });

  it('decodes escapes, octal codes, hex strings, UTF-16 strings and the quote operators', () => {
    expect(contentStreamText('BT (a\\(b\\)c\\\\d) Tj T* (tab\\there) Tj ET')).toBe('a(b)c\\d\ntab\there\n');
    expect(contentStreamText('BT (caf\\351) Tj ET')).toBe('café\n');
    expect(contentStreamText('BT <48656C6C6F> Tj ET')).toBe('Hello\n');
    expect(contentStreamText('BT <FEFF00E9007400E9> Tj ET')).toBe('été\n');
    expect(contentStreamText('BT (one) Tj (two) \' 1 2 (three) " ET')).toBe('one\ntwo\nthree\n');
    expect(contentStreamText('BT (nested (parens) ok) Tj ET % (comment) Tj\n')).toBe('nested (parens) ok\n');
  });

  it('rejects a file that is not a PDF, and a PDF with no readable text', () => {
    expect(() => extractText('application/pdf', bytes('hello'))).toThrow(/not a PDF/);
    expect(() => extractText('application/pdf', minimalPdf('q 1 0 0 1 0 0 cm Q'))).toThrow(
      /No text could be extracted/,
    );
  });

  it('skips streams it cannot decode instead of failing on them', () => {
    const pdf = Buffer.concat([
      minimalPdf(page),
      Buffer.from(
        '6 0 obj\n<< /Length 4 /Filter /DCTDecode >>\nstream\n\xff\xd8\xff\xe0\nendstream\nendobj\n',
        'latin1',
      ),
      Buffer.from('7 0 obj\n<< /Length 3 /Filter /FlateDecode >>\nstream\nbad\nendstream\nendobj\n', 'latin1'),
    ]);
    expect(extractText('application/pdf', pdf).text).toBe('Quarterly report\nRevenue grew.');
  });

  it('bounds decompression: a stream that inflates past the limit is skipped, not expanded', () => {
    const bomb = deflateSync(Buffer.alloc(40 * 1024 * 1024, 0x20));
    const pdf = Buffer.concat([
      minimalPdf(page),
      Buffer.from(`8 0 obj\n<< /Length ${bomb.length} /Filter /FlateDecode >>\nstream\n`, 'latin1'),
      bomb,
      Buffer.from('\nendstream\nendobj\n', 'latin1'),
    ]);
    expect(extractText('application/pdf', pdf).text).toBe('Quarterly report\nRevenue grew.');
  });
});

describe('normalizeText', () => {
  it('keeps tabs and newlines, drops other control characters', () => {
    expect(normalizeText('a\tb\u0000c\u001bd\ne')).toBe('a\tbcd\ne');
  });
});
