import { defineProject } from 'vitest/config';

export default defineProject({
  test: { name: 'ops', include: ['src/**/*.test.ts'], environment: 'node' },
});
