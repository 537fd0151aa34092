import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: ['packages/*', 'tests'],
    // Handlers log one JSON line per request; tests keep them quiet unless asked (TOOLGATE_TEST_LOG_LEVEL=INFO).
    env: { POWERTOOLS_LOG_LEVEL: process.env.TOOLGATE_TEST_LOG_LEVEL ?? 'SILENT' },
  },
});
