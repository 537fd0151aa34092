import { inflateSync } from 'node:zlib';
import { DocumentRejectedError } from '../workflows/errors';
import type { UploadContentType } from './schema';

/**
 * Text extraction for the ingestion workflow. Text formats are decoded as strict UTF-8; PDF gets a best-effort,
 * dependency-free extraction (see `pdfText`). Real PDF parsing (fonts with custom encodings, CID fonts, scanned
 * pages that need OCR) is a fork-time choice: swap `pdfText` for a parser library or Amazon Textract.
 */

/** Extracted text is kept up to this many characters (the rest is dropped and the document marked truncated). */
export const MAX_TEXT_CHARS = 2_000_000;

/** Decompression limits: a small PDF must not inflate into gigabytes (a "zip bomb"). */
const MAX_INFLATED_STREAM_BYTES = 16 * 1024 * 1024;
const MAX_INFLATED_TOTAL_BYTES = 64 * 1024 * 1024;

export interface ExtractedText {
  text: string;
  truncated: boolean;
}

function utf8(bytes: Uint8Array): string {
  try {
    // Strict: a file declared as text that is not UTF-8 is rejected rather than indexed as mojibake.
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch (error) {
    throw new DocumentRejectedError('The file is not valid UTF-8 text.', { cause: error });
  }
}

/** Line endings unified, control characters other than tab and newline removed, outer whitespace trimmed. */
export function normalizeText(text: string): string {
  return (
    text
      .replace(/\r\n?/g, '\n')
      // biome-ignore lint/suspicious/noControlCharactersInRegex: removing control characters is the point
      .replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, '')
      .replace(/[ \t]+\n/g, '\n')
      .replace(/\n{3,}/g, '\n\n')
      .trim()
  );
}

export function extractText(contentType: UploadContentType, bytes: Uint8Array): ExtractedText {
  let text: string;
  switch (contentType) {
    case 'text/plain':
    case 'text/markdown':
    case 'text/csv':
      text = utf8(bytes);
      break;
    case 'application/json':
      text = utf8(bytes);
      try {
        JSON.parse(text);
      } catch (error) {
        throw new DocumentRejectedError('The file is not valid JSON.', { cause: error });
      }
      break;
    case 'application/pdf':
      text = pdfText(bytes);
      break;
  }
  const normalized = normalizeText(text);
  if (normalized.length === 0) {
    throw new DocumentRejectedError(
      contentType === 'application/pdf'
        ? 'No text could be extracted from this PDF (it may be scanned, or use fonts this extractor cannot read).'
        : 'The document contains no text.',
    );
  }
  const truncated = normalized.length > MAX_TEXT_CHARS;
  return { text: truncated ? normalized.slice(0, MAX_TEXT_CHARS) : normalized, truncated };
}

// ---------------------------------------------------------------------------------------------------------------
// PDF, best effort: content streams (uncompressed, or FlateDecode through node:zlib), text-showing operators only.

interface Stream {
  dictionary: string;
  data: Buffer;
}

function* pdfStreams(pdf: Buffer): Generator<Stream> {
  const source = pdf.toString('latin1');
  const keyword = /stream\r?\n/g;
  for (let match = keyword.exec(source); match; match = keyword.exec(source)) {
    if (source.slice(match.index - 3, match.index) === 'end') continue;
    const start = match.index + match[0].length;
    const end = source.indexOf('endstream', start);
    if (end < 0) break;
    // The stream's dictionary sits between the object header and the keyword.
    const objectStart = source.lastIndexOf(' obj', match.index);
    const dictionary = source.slice(objectStart < 0 ? Math.max(0, match.index - 1024) : objectStart, match.index);
    let dataEnd = end;
    if (source[dataEnd - 1] === '\n') dataEnd--;
    if (source[dataEnd - 1] === '\r') dataEnd--;
    yield { dictionary, data: pdf.subarray(start, dataEnd) };
    keyword.lastIndex = end + 'endstream'.length;
  }
}

function decodeStream(stream: Stream, budget: { left: number }): Buffer | null {
  const filters = [...stream.dictionary.matchAll(/\/(\w+Decode)\b/g)].map((m) => m[1]);
  if (/\/Subtype\s*\/Image/.test(stream.dictionary)) return null;
  if (filters.length === 0) return stream.data;
  if (filters.length !== 1 || filters[0] !== 'FlateDecode' || budget.left <= 0) return null;
  try {
    const inflated = inflateSync(stream.data, {
      maxOutputLength: Math.min(MAX_INFLATED_STREAM_BYTES, budget.left),
    });
    budget.left -= inflated.length;
    return inflated;
  } catch {
    return null; // corrupt, over the budget, or predictor-encoded: skipped, best effort
  }
}

/** A PDF string's bytes as text: UTF-16BE with a BOM, otherwise read as Latin-1 (close to PDFDocEncoding). */
function stringText(bytes: number[]): string {
  if (bytes[0] === 0xfe && bytes[1] === 0xff) {
    let text = '';
    for (let i = 2; i + 1 < bytes.length; i += 2)
      text += String.fromCharCode(((bytes[i] ?? 0) << 8) | (bytes[i + 1] ?? 0));
    return text;
  }
  return Buffer.from(bytes).toString('latin1');
}

const ESCAPES: Record<string, number> = { n: 10, r: 13, t: 9, b: 8, f: 12, '(': 40, ')': 41, '\\': 92 };

/** Reads a literal string starting after its `(`; returns its bytes and the index after its `)`. */
function literalString(content: string, from: number): [number[], number] {
  const bytes: number[] = [];
  let depth = 1;
  let i = from;
  while (i < content.length) {
    const char = content[i] as string;
    if (char === '\\') {
      const next = content[i + 1] ?? '';
      if (next in ESCAPES) {
        bytes.push(ESCAPES[next] as number);
        i += 2;
      } else if (/[0-7]/.test(next)) {
        const octal = /^[0-7]{1,3}/.exec(content.slice(i + 1, i + 4))?.[0] ?? '0';
        bytes.push(Number.parseInt(octal, 8) & 0xff);
        i += 1 + octal.length;
      } else {
        i += next === '\r' && content[i + 2] === '\n' ? 3 : 2; // line continuation or an unknown escape
      }
      continue;
    }
    if (char === '(') depth++;
    if (char === ')' && --depth === 0) return [bytes, i + 1];
    bytes.push(char.charCodeAt(0) & 0xff);
    i++;
  }
  return [bytes, i];
}

function hexString(content: string, from: number): [number[], number] {
  const end = content.indexOf('>', from);
  const hex = content.slice(from, end < 0 ? content.length : end).replace(/[^0-9a-fA-F]/g, '');
  const bytes: number[] = [];
  for (let i = 0; i < hex.length; i += 2) bytes.push(Number.parseInt(hex.slice(i, i + 2).padEnd(2, '0'), 16));
  return [bytes, end < 0 ? content.length : end + 1];
}

/** Numbers, names, operators, dictionary brackets, or any other single character (sticky: matched at `lastIndex`). */
const TOKEN = /[+-]?(?:\d+\.?\d*|\.\d+)|\/[^\s/[\]()<>{}%]*|[A-Za-z'"*]+|<<|>>|\S/y;

/** The text a content stream shows (Tj, TJ, ', "), with line breaks where the text position moves to a new line. */
export function contentStreamText(content: string): string {
  let text = '';
  const operands: (string | number | string[])[] = [];
  let array: (string | number)[] | null = null;
  let i = 0;
  const newline = () => {
    if (text.length > 0 && !text.endsWith('\n')) text += '\n';
  };
  while (i < content.length) {
    const char = content[i] as string;
    if (char === '(' || (char === '<' && content[i + 1] !== '<')) {
      const [bytes, next] = char === '(' ? literalString(content, i + 1) : hexString(content, i + 1);
      const value = stringText(bytes);
      if (array) array.push(value);
      else operands.push(value);
      i = next;
      continue;
    }
    if (char === '[') {
      array = [];
      i++;
      continue;
    }
    if (char === ']') {
      // In TJ arrays, a large negative kerning is how PDFs encode a space between words.
      if (array) {
        let shown = '';
        for (const part of array) {
          if (typeof part === 'string') shown += part;
          else if (part < -200 && shown && !/\s$/.test(shown)) shown += ' ';
        }
        operands.push([shown]);
      }
      array = null;
      i++;
      continue;
    }
    if (char === '%') {
      const end = content.indexOf('\n', i);
      i = end < 0 ? content.length : end + 1;
      continue;
    }
    TOKEN.lastIndex = i;
    const token = TOKEN.exec(content);
    if (!token) {
      i++;
      continue;
    }
    const word = token[0];
    i += word.length;
    if (/^[+-]?(?:\d|\.\d)/.test(word)) {
      if (array) array.push(Number(word));
      else operands.push(Number(word));
      continue;
    }
    switch (word) {
      case 'Tj':
        text += operands.filter((o): o is string => typeof o === 'string').join('');
        break;
      case 'TJ':
        for (const operand of operands) if (Array.isArray(operand)) text += operand.join('');
        break;
      case "'":
      case '"':
        newline();
        text += operands.filter((o): o is string => typeof o === 'string').join('');
        break;
      case 'T*':
      case 'ET':
        newline();
        break;
      case 'Td':
      case 'TD': {
        const y = operands.at(-1);
        if (typeof y === 'number' && y !== 0) newline();
        else if (!text.endsWith(' ') && !text.endsWith('\n') && text.length > 0) text += ' ';
        break;
      }
      case 'Tm':
        newline();
        break;
    }
    if (/^[A-Za-z'"*]+$/.test(word)) operands.length = 0;
    if (text.length > MAX_TEXT_CHARS) break;
  }
  return text;
}

export function pdfText(bytes: Uint8Array): string {
  const pdf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (pdf.subarray(0, 5).toString('latin1') !== '%PDF-') {
    throw new DocumentRejectedError('The file is not a PDF (it does not start with %PDF-).');
  }
  const budget = { left: MAX_INFLATED_TOTAL_BYTES };
  const parts: string[] = [];
  let length = 0;
  for (const stream of pdfStreams(pdf)) {
    const data = decodeStream(stream, budget);
    if (!data) continue;
    const content = data.toString('latin1');
    // Only page content streams show text; fonts, images and metadata do not have text objects.
    if (!/\bBT\b/.test(content) || !/\bET\b/.test(content)) continue;
    const text = contentStreamText(content);
    if (text.trim()) {
      parts.push(text);
      length += text.length;
    }
    if (length > MAX_TEXT_CHARS) break;
  }
  return parts.join('\n');
}
