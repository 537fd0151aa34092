import { routes } from './routes';
import { HTTP_TIERS, type HttpMethod, type HttpTier, type RouteSpec, routeKey } from './types';

export { type RouteId, routes } from './routes';
export * from './types';

export const manifest: readonly RouteSpec[] = Object.values(routes);

export function routesOfTier(tier: HttpTier): readonly RouteSpec[] {
  return manifest.filter((route) => route.tier === tier);
}

/** The routes that also answer as a Server-Sent Events stream: what the streaming Function URL serves. */
export function streamRoutes(entries: readonly RouteSpec[] = manifest): readonly RouteSpec[] {
  return entries.filter((route) => route.tier === 'api' && route.stream !== undefined);
}

/** Throws on a manifest that the types cannot rule out: empty reasons, duplicate keys, bad paths. */
export function assertManifestValid(entries: readonly RouteSpec[] = manifest): void {
  const seen = new Set<string>();
  for (const route of entries) {
    const key = routeKey(route);
    if (seen.has(key)) throw new Error(`Route manifest: duplicate route ${key}`);
    seen.add(key);
    if (
      !/^\/(?:[A-Za-z0-9._~-]+|\{[A-Za-z][A-Za-z0-9_]*\+?\})?(?:\/(?:[A-Za-z0-9._~-]+|\{[A-Za-z][A-Za-z0-9_]*\+?\}))*$/.test(
        route.path,
      )
    ) {
      throw new Error(`Route manifest: ${key} has an invalid path`);
    }
    if (!HTTP_TIERS.includes(route.tier)) throw new Error(`Route manifest: ${key} has unknown tier ${route.tier}`);
    if (route.auth.kind !== 'jwt' && route.auth.reason.trim().length < 10) {
      throw new Error(`Route manifest: ${key} is ${route.auth.kind} and needs a written reason`);
    }
    if (route.auth.kind === 'jwt' && route.auth.scopes.length === 0) {
      throw new Error(`Route manifest: ${key} is jwt and names no scope`);
    }
    if (route.tier === 'api' && route.stream && route.stream.reason.trim().length < 10) {
      throw new Error(`Route manifest: ${key} streams and needs a written reason`);
    }
  }
}

export interface MatchedRoute {
  route: RouteSpec;
  params: Record<string, string>;
}

interface CompiledRoute {
  route: RouteSpec;
  pattern: RegExp;
  names: string[];
}

function compile(route: RouteSpec): CompiledRoute {
  const { pattern, names } = templatePattern(route.path);
  return { route, names, pattern };
}

/**
 * The regular expression of a route template in API Gateway syntax (`/catalog/{id}`, `/files/{path+}`), anchored at
 * both ends, with one capture per parameter (`names`, in order).
 */
export function templatePattern(template: string): { pattern: RegExp; names: string[] } {
  const names: string[] = [];
  const source = template
    .split('/')
    .map((segment) => {
      const param = /^\{([A-Za-z][A-Za-z0-9_]*)(\+?)\}$/.exec(segment);
      if (!param) return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      names.push(param[1] as string);
      return param[2] ? '(.+)' : '([^/]+)';
    })
    .join('/');
  return { names, pattern: new RegExp(`^${source}$`) };
}

/**
 * Matches a request against a set of manifest routes the way API Gateway does: literal segments win over
 * parameters, so `/catalog/search` would beat `/catalog/{id}`.
 */
export class RouteMatcher {
  private readonly compiled: CompiledRoute[];

  constructor(entries: readonly RouteSpec[]) {
    this.compiled = entries
      .map(compile)
      .sort((a, b) => a.names.length - b.names.length || b.route.path.length - a.route.path.length);
  }

  /** `route` for an exact match; `allowed` lists the methods the path has when only the method is wrong. */
  match(method: string, path: string): { matched: MatchedRoute } | { matched: null; allowed: HttpMethod[] } {
    const allowed: HttpMethod[] = [];
    for (const { route, pattern, names } of this.compiled) {
      const result = pattern.exec(path);
      if (!result) continue;
      if (route.method !== method) {
        allowed.push(route.method);
        continue;
      }
      const params: Record<string, string> = {};
      names.forEach((name, index) => {
        const raw = result[index + 1] ?? '';
        try {
          params[name] = decodeURIComponent(raw);
        } catch {
          params[name] = raw;
        }
      });
      return { matched: { route, params } };
    }
    return { matched: null, allowed };
  }
}
