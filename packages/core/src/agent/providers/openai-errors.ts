/** What a failed OpenAI-compatible call says: the wait it asks for, and its error, read for the log. */

/**
 * How long the upstream asks us to wait, in ms (`null` when it does not say): OpenAI's `retry-after-ms` first (more
 * precise than its `retry-after`), then `Retry-After` as seconds or as an HTTP-date (proxies and gateways send one).
 */
export function retryDelayMs(headers: Headers, now: number): number | null {
  const ms = headers.get('retry-after-ms')?.trim();
  if (ms && Number.isFinite(Number(ms)) && Number(ms) >= 0) return Number(ms);
  const value = headers.get('retry-after')?.trim();
  if (!value) return null;
  if (/^\d+(\.\d+)?$/.test(value)) return Number(value) * 1000;
  const at = Date.parse(value);
  return Number.isFinite(at) ? Math.max(0, at - now) : null;
}

/** What an error body says, for the log: OpenAI and vLLM nest it in `error`, Ollama sends a string, Mistral a flat object. */
export interface UpstreamError {
  message: string;
  code?: string;
  param?: string;
}

export function upstreamErrorOf(text: string): UpstreamError {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    // A proxy's HTML page, or plain text: its start is all the log needs.
    return { message: text.replace(/\s+/g, ' ').trim().slice(0, 200) };
  }
  const nested = (body as { error?: unknown } | null)?.error;
  if (typeof nested === 'string') return { message: nested };
  const fields = (nested && typeof nested === 'object' ? nested : (body ?? {})) as Record<string, unknown>;
  const asText = (value: unknown) =>
    typeof value === 'string' || typeof value === 'number' ? String(value) : undefined;
  const code = asText(fields.code);
  const param = asText(fields.param);
  return {
    message: asText(fields.message) ?? '',
    ...(code !== undefined ? { code } : {}),
    ...(param !== undefined ? { param } : {}),
  };
}

/**
 * The parameter a 400 says is not supported, as OpenAI and Azure name it (`param`, `code: unsupported_parameter`) or
 * only in the message. A parameter refused for its value (`max_tokens is too large`) is not one.
 */
export function refusedParameterOf(upstream: UpstreamError): string | undefined {
  const unsupported = upstream.code === 'unsupported_parameter' || /unsupported|not supported/i.test(upstream.message);
  if (!unsupported) return undefined;
  return upstream.param ?? /parameter:? '(\w+)'/i.exec(upstream.message)?.[1];
}

/** fetch's own error says only "fetch failed"; the reason (`ECONNREFUSED`, a DNS failure…) is in its cause. */
export function networkReason(error: unknown): string {
  const cause = (error as { cause?: { code?: unknown; message?: unknown } } | undefined)?.cause;
  if (typeof cause?.code === 'string') return cause.code;
  if (typeof cause?.message === 'string') return cause.message;
  return error instanceof Error ? error.message : '';
}
