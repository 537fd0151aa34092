import type { HttpResponse } from './responses';

/**
 * Turns what a handler returned into the HTTP response, by API Gateway's payload-v2 rules: an object with
 * `statusCode` is a structured response; any other JSON value becomes a 200 `application/json` body. Returns
 * null for output API Gateway would reject (the gateway then answers 500).
 */

/** Lambda refuses synchronous responses above 6 MB; API Gateway then answers 500. */
export const LAMBDA_MAX_RESPONSE_BYTES = 6 * 1024 * 1024;

type HeaderValue = string | number | boolean;
const isHeaderValue = (value: unknown): value is HeaderValue =>
  typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';
const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function serializedSize(value: unknown): number | null {
  try {
    const json = JSON.stringify(value);
    return json === undefined ? null : Buffer.byteLength(json);
  } catch {
    return null; // circular, BigInt...
  }
}

function structured(result: Record<string, unknown>): HttpResponse | null {
  const { statusCode, headers, multiValueHeaders, cookies, body, isBase64Encoded } = result;
  if (typeof statusCode !== 'number' || !Number.isInteger(statusCode) || statusCode < 100 || statusCode > 599) {
    return null;
  }
  if (body !== undefined && body !== null && typeof body !== 'string') return null;
  if (isBase64Encoded !== undefined && typeof isBase64Encoded !== 'boolean') return null;

  const pairs: [string, string][] = [];
  if (headers !== undefined && headers !== null) {
    if (!isRecord(headers)) return null;
    for (const [name, value] of Object.entries(headers)) {
      if (!isHeaderValue(value)) return null;
      pairs.push([name, String(value)]);
    }
  }
  if (multiValueHeaders !== undefined && multiValueHeaders !== null) {
    if (!isRecord(multiValueHeaders)) return null;
    for (const [name, values] of Object.entries(multiValueHeaders)) {
      if (!Array.isArray(values) || !values.every(isHeaderValue)) return null;
      // A name in both maps: the multi-value list wins, as for payload v1.
      for (let index = pairs.length - 1; index >= 0; index--) {
        if (pairs[index]?.[0].toLowerCase() === name.toLowerCase()) pairs.splice(index, 1);
      }
      for (const value of values) pairs.push([name, String(value)]);
    }
  }
  if (
    cookies !== undefined &&
    cookies !== null &&
    (!Array.isArray(cookies) || !cookies.every((c) => typeof c === 'string'))
  ) {
    return null;
  }
  const text = typeof body === 'string' ? body : '';
  return {
    statusCode,
    headers: pairs,
    cookies: (cookies as string[] | undefined | null) ?? [],
    body: isBase64Encoded ? Buffer.from(text, 'base64') : Buffer.from(text, 'utf8'),
  };
}

export function toHttpResponse(result: unknown, maxBytes: number = LAMBDA_MAX_RESPONSE_BYTES): HttpResponse | null {
  // A handler that returns nothing is a bug worth seeing, not an empty 200.
  if (result === undefined || result === null) return null;
  const size = serializedSize(result);
  if (size === null || size > maxBytes) return null;
  if (isRecord(result) && 'statusCode' in result) return structured(result);
  return {
    statusCode: 200,
    headers: [['content-type', 'application/json']],
    cookies: [],
    body: Buffer.from(typeof result === 'string' ? result : JSON.stringify(result), 'utf8'),
  };
}
