import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: ['packages/*', 'tests'],
    // One test file per core, not vitest's default of one fewer (a single worker on a 2-core machine): the end-to-end
    // files spend much of their time waiting on the emulators' timers (visibility timeouts, poll windows, retries),
    // so a second worker keeps the CPU busy. `pnpm test` here: 190 s with 2 workers against 330 s with 1.
    maxWorkers: availableParallelism(),
    // Handlers log one JSON line per request; tests keep them quiet unless asked (TOOLGATE_TEST_LOG_LEVEL=INFO).
    env: { POWERTOOLS_LOG_LEVEL: process.env.TOOLGATE_TEST_LOG_LEVEL ?? 'SILENT' },
  },
});
