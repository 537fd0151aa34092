import { UsageError } from './token';

/** Browser origins as CORS compares them: scheme, host and port, nothing else; never a wildcard. */
export function parseOrigins(values: readonly string[]): string[] {
  const origins = new Set<string>();
  for (const value of values.map((v) => v.trim()).filter(Boolean)) {
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      throw new UsageError(`--allow-origin: ${value} is not an origin like http://localhost:5173`);
    }
    if (!/^https?:$/.test(url.protocol) || url.origin !== value.replace(/\/$/, '') || value.includes('*')) {
      throw new UsageError(`--allow-origin: ${value} is not an origin like http://localhost:5173 (no path, no *)`);
    }
    origins.add(url.origin);
  }
  return [...origins];
}
