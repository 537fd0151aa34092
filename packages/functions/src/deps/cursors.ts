import { createCursorCodec } from '@toolgate/core/data/cursor';
import { config } from './base';

/**
 * The pagination cursor codec. The worker and steps tiers share the repositories but list nothing, and are not
 * linked to the `CursorSigningKey` secret: they get a codec that throws if ever used. The tiers that serve
 * listings call `requireCursorSigningKey()` at init, so a missing secret stops them from starting.
 */
export const cursors = createCursorCodec(config.cursorSigningKey ?? null);

export function requireCursorSigningKey(): void {
  if (!config.cursorSigningKey) {
    throw new Error(
      'Configuration: this tier serves listings and needs the CursorSigningKey secret linked ' +
        '(TOOLGATE_CURSOR_SIGNING_KEY locally)',
    );
  }
}
