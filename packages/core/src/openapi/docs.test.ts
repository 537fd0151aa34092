import { describe, expect, it } from 'vitest';
import { type RouteId, routes } from '../manifest';
import { type RouteDocs, routeDocs } from './index';

describe('route docs', () => {
  it('document every manifest route, and only those', () => {
    expect(Object.keys(routeDocs).sort()).toEqual(Object.keys(routes).sort());
  });

  it('are complete by type: a table missing one route does not compile (checked by `pnpm typecheck`)', () => {
    const { chat: _omitted, ...incomplete } = routeDocs;
    // @ts-expect-error `chat` is missing: a manifest route without docs is a type error
    const docs: RouteDocs = incomplete;
    expect(Object.keys(docs)).not.toContain('chat' satisfies RouteId);
  });
});
