import type { IncomingMessage } from 'node:http';

/** API Gateway HTTP API CORS configuration (the same fields infra sets on the API). */
export interface CorsConfig {
  allowOrigins: readonly string[];
  allowMethods: readonly string[];
  allowHeaders: readonly string[];
  exposeHeaders?: readonly string[];
  maxAgeSeconds?: number;
  allowCredentials?: boolean;
}

const lower = (values: readonly string[]) => values.map((value) => value.toLowerCase());

export interface Cors {
  /** OPTIONS with Origin and Access-Control-Request-Method: answered by the gateway, never sent to a Lambda. */
  isPreflight(req: IncomingMessage): boolean;
  /** Headers of the 204 answer; none when the origin, method or a header is not allowed (the browser then blocks). */
  preflightHeaders(req: IncomingMessage): [string, string][];
  /** Headers added to every other response for an allowed origin (the integration's own CORS headers are dropped). */
  responseHeaders(origin: string | undefined): [string, string][];
}

/**
 * `onRefused` hears each origin the configuration refuses, once: the browser only says "blocked by CORS policy",
 * so the local runtime says which origin and how to allow it.
 */
export function createCors(config: CorsConfig, onRefused?: (origin: string) => void): Cors {
  const anyOrigin = config.allowOrigins.includes('*');
  const refused = new Set<string>();
  const report = (origin: string | undefined) => {
    if (origin === undefined || !onRefused || refused.has(origin) || refused.size >= 100) return;
    refused.add(origin);
    onRefused(origin);
  };
  const origins = new Set(lower(config.allowOrigins));
  const methods = new Set(config.allowMethods.map((method) => method.toUpperCase()));
  const anyHeader = config.allowHeaders.includes('*');
  const headers = new Set(lower(config.allowHeaders));

  const originAllowed = (origin: string | undefined): origin is string =>
    origin !== undefined && (anyOrigin || origins.has(origin.toLowerCase()));

  const allowOriginValue = (origin: string) => (anyOrigin && !config.allowCredentials ? '*' : origin);

  const common = (origin: string): [string, string][] => {
    const list: [string, string][] = [['access-control-allow-origin', allowOriginValue(origin)]];
    if (config.allowCredentials) list.push(['access-control-allow-credentials', 'true']);
    list.push(['vary', 'origin']);
    return list;
  };

  return {
    isPreflight(req) {
      return req.method === 'OPTIONS' && !!req.headers.origin && !!req.headers['access-control-request-method'];
    },

    preflightHeaders(req) {
      const origin = req.headers.origin;
      const method = String(req.headers['access-control-request-method'] ?? '').toUpperCase();
      const requested = String(req.headers['access-control-request-headers'] ?? '')
        .split(',')
        .map((name) => name.trim().toLowerCase())
        .filter(Boolean);
      if (!originAllowed(origin)) {
        report(origin);
        return [];
      }
      if (!(methods.has(method) || methods.has('*'))) return [];
      if (!anyHeader && !requested.every((name) => headers.has(name))) return [];
      const allowHeaders = anyHeader ? requested : [...headers];
      const optional: [string, string][] = [];
      if (allowHeaders.length > 0) optional.push(['access-control-allow-headers', allowHeaders.join(',')]);
      if (config.maxAgeSeconds !== undefined) optional.push(['access-control-max-age', String(config.maxAgeSeconds)]);
      return [...common(origin), ['access-control-allow-methods', [...methods].join(',')], ...optional];
    },

    responseHeaders(origin) {
      if (!originAllowed(origin)) {
        report(origin);
        return [];
      }
      const expose: [string, string][] = config.exposeHeaders?.length
        ? [['access-control-expose-headers', config.exposeHeaders.join(',')]]
        : [];
      return [...common(origin), ...expose];
    },
  };
}
