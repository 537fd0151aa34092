/** Where the alarms' runbook lives: one section per alarm kind, linked from each alarm's description. */
export const RUNBOOK_DOC = 'docs/observability.md';

/**
 * The tiers whose routes get a 5xx rate alarm. Not the public tier: under a flood its throttled Lambda makes the
 * gateway answer 500, which is the design containing the flood (the same reason it has no throttles alarm); its
 * crashes still raise `public-errors`.
 */
export const ROUTE_5XX_ALARM_TIERS = ['api', 'webhook'] as const;

/** A route's 5xx rate alarm: at least this share of its requests in 5 minutes, once it has had enough of them. */
export const ROUTE_5XX_ALARM = { percent: 5, minRequests: 20, periodSeconds: 300 } as const;

/** `Runbook: docs/observability.md#<section>`, the line every alarm description ends with. */
export function runbookLine(section: string): string {
  return `Runbook: ${RUNBOOK_DOC}#${section}`;
}

/** The anchor GitHub gives a Markdown heading (lower case, punctuation dropped, spaces to dashes). */
export function headingAnchor(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^a-z0-9 _-]/g, '')
    .replace(/ /g, '-');
}

/** The anchors of every heading of a Markdown document. */
export function markdownAnchors(markdown: string): string[] {
  return [...markdown.matchAll(/^#{1,6}\s+(.+)$/gm)].map((match) => headingAnchor(match[1] as string));
}
