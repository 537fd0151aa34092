import type { RouteSpec } from '@toolgate/core/manifest';

export const ROUTES_START = '<!-- routes:start -->';
export const ROUTES_END = '<!-- routes:end -->';

function authCell(route: RouteSpec): string {
  switch (route.auth.kind) {
    case 'jwt':
      return `jwt ${route.auth.scopes.map((s) => `\`${s}\``).join(' or ')}`;
    case 'public':
      return 'public';
    case 'stripe-signature':
      return 'Stripe signature';
  }
}

/** The README's route table, rendered from the manifest so it cannot drift. */
export function renderRouteTable(routes: readonly RouteSpec[]): string {
  const rows = routes.map(
    (route) => `| ${route.method} | ${route.path} | ${route.tier} | ${authCell(route)} | ${route.summary} |`,
  );
  return ['| method | path | tier | auth | summary |', '|---|---|---|---|---|', ...rows].join('\n');
}

/** Replaces the table between the markers; throws when the markers are missing. */
export function replaceRouteTable(readme: string, table: string): string {
  const start = readme.indexOf(ROUTES_START);
  const end = readme.indexOf(ROUTES_END);
  if (start < 0 || end < start) throw new Error('README.md has no routes:start/routes:end markers');
  return `${readme.slice(0, start + ROUTES_START.length)}\n${table}\n${readme.slice(end)}`;
}
