import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'e2e',
    include: ['**/*.test.ts'],
    environment: 'node',
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Hot-reload builds (packages/local/src/reload) are imported by Node itself, like dependencies: through Vite,
    // each reload would be transformed again (seconds for ~2 MB) instead of loading in milliseconds.
    server: { deps: { external: [/\/node_modules\//, /\/handlers-build-\d+\//] } },
    setupFiles: [
      // Every answer of the local gateway is checked against the OpenAPI document; a mismatch fails the file.
      './support/contract-setup.ts',
      // `pnpm test:logs`: scan everything the suites log for credentials (tests/support/log-audit.ts).
      ...(process.env.TOOLGATE_LOG_AUDIT === '1' ? ['./support/log-audit.ts'] : []),
    ],
  },
});
