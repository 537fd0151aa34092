import type { RouteSpec } from '@toolgate/core/manifest';

function authLabel(route: RouteSpec): string {
  switch (route.auth.kind) {
    case 'jwt':
      return `jwt (${route.auth.scopes.join(' | ')})`;
    case 'public':
      return 'public';
    case 'stripe-signature':
      return 'stripe signature';
  }
}

/** The route table `pnpm dev` prints: one row per manifest entry. */
export function endpointTable(routes: readonly RouteSpec[]): string {
  const rows = [
    ['METHOD', 'PATH', 'TIER', 'AUTH', 'SUMMARY'],
    ...routes.map((route) => [route.method, route.path, route.tier, authLabel(route), route.summary]),
  ];
  const widths = rows[0]?.map((_, column) => Math.max(...rows.map((row) => row[column]?.length ?? 0))) ?? [];
  return rows
    .map((row) =>
      row
        .map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column] ?? 0)))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}
