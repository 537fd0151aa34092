/**
 * Just enough of the source map v3 format to say which source file a generated position came from: the bench
 * reads CPU profiles of minified bundles and has no source-map dependency.
 */
export interface SourceMapV3 {
  version: number;
  sources: string[];
  mappings: string;
}

const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const DIGIT = new Map([...BASE64].map((char, index) => [char, index]));

/** Per generated line: sorted generated columns and the source index each segment maps to (-1: unmapped). */
export interface SourceLookup {
  /** The source of the segment covering a generated position (0-based line and column). */
  sourceAt(line: number, column: number): string | null;
  /** The source of the first mapped segment on a generated line (0-based): for line-level profile ticks. */
  sourceOnLine(line: number): string | null;
}

export function parseSourceMap(map: SourceMapV3): SourceLookup {
  const lines: { columns: number[]; sources: number[] }[] = [];
  let source = 0;
  for (const lineText of map.mappings.split(';')) {
    const columns: number[] = [];
    const sources: number[] = [];
    let column = 0;
    for (const segment of lineText.split(',')) {
      if (segment === '') continue;
      const fields = decodeVlq(segment);
      column += fields[0] ?? 0;
      columns.push(column);
      if (fields.length >= 4) {
        source += fields[1] ?? 0;
        sources.push(source);
      } else sources.push(-1);
      // Fields 2..4 (original line, column, name) are deltas too, but only the source is needed here.
    }
    lines.push({ columns, sources });
  }
  return {
    sourceAt(line, column) {
      const entry = lines[line];
      if (!entry || entry.columns.length === 0) return null;
      let low = 0;
      let high = entry.columns.length - 1;
      if ((entry.columns[0] as number) > column) return null;
      while (low < high) {
        const mid = (low + high + 1) >> 1;
        if ((entry.columns[mid] as number) <= column) low = mid;
        else high = mid - 1;
      }
      const index = entry.sources[low] as number;
      return index >= 0 ? (map.sources[index] ?? null) : null;
    },
    sourceOnLine(line) {
      const index = lines[line]?.sources.find((source) => source >= 0);
      return index === undefined ? null : (map.sources[index] ?? null);
    },
  };
}

function decodeVlq(segment: string): number[] {
  const values: number[] = [];
  let value = 0;
  let shift = 0;
  for (const char of segment) {
    const digit = DIGIT.get(char);
    if (digit === undefined) throw new Error(`source map: bad base64 digit ${char}`);
    value += (digit & 31) << shift;
    if (digit & 32) shift += 5;
    else {
      values.push(value & 1 ? -(value >>> 1) : value >>> 1);
      value = 0;
      shift = 0;
    }
  }
  return values;
}
