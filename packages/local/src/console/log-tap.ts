/**
 * Reads what this process writes to stdout and stderr, as Lambda ships a function's output to CloudWatch: each
 * complete line that is a JSON object goes to `onLine`. The writes themselves are passed on unchanged. Returns the
 * function that stops reading (the wrapper stays, inert, if someone wrapped the stream after us).
 */
export function tapJsonLines(onLine: (line: Record<string, unknown>) => void): () => void {
  let active = true;
  const restores: (() => void)[] = [];
  for (const stream of [process.stdout, process.stderr]) {
    const original = stream.write;
    let partial = '';
    const wrapper = function (this: unknown, chunk: unknown, ...rest: unknown[]) {
      if (active) {
        const text = typeof chunk === 'string' ? chunk : Buffer.isBuffer(chunk) ? chunk.toString('utf8') : '';
        const parts = (partial + text).split('\n');
        partial = (parts.pop() ?? '').slice(-65_536);
        for (const part of parts) {
          if (!part.startsWith('{')) continue;
          try {
            const parsed = JSON.parse(part) as unknown;
            if (parsed && typeof parsed === 'object' && !Array.isArray(parsed))
              onLine(parsed as Record<string, unknown>);
          } catch {
            // Not JSON after all: only the structured lines are indexed.
          }
        }
      }
      return (original as (...args: unknown[]) => boolean).call(stream, chunk, ...rest);
    } as typeof stream.write;
    stream.write = wrapper;
    restores.push(() => {
      if (stream.write === wrapper) stream.write = original;
    });
  }
  return () => {
    active = false;
    for (const restore of restores) restore();
  };
}
