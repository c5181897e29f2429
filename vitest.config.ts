import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';
import { LongestFirstSequencer } from './scripts/test-order.js';

export default defineConfig({
  test: {
    // Most test files wait (on child processes, sockets, accelerated clocks), not compute: vitest's default
    // of one worker fewer than the CPUs ran them one at a time on a 2-core machine. At least three at a time,
    // longest first, fill two cores (docs/testing.md, "How long the tests take"). VITEST_MAX_WORKERS overrides.
    maxWorkers: Math.max(3, availableParallelism() - 1),
    sequence: { sequencer: LongestFirstSequencer },
    projects: [
      // The property tests compute for seconds; sharing two cores with other files, 5 s was too short.
      { test: { name: 'shared', include: ['shared/test/**/*.test.ts'], testTimeout: 30_000 } },
      { test: { name: 'sidecar', include: ['sidecar/test/**/*.test.ts'], testTimeout: 30_000 } },
      { test: { name: 'cross-package', include: ['test/**/*.test.ts'], testTimeout: 60_000 } },
      {
        test: {
          name: 'grafana-plugin',
          include: ['grafana-plugin/{src,tests}/**/*.test.{ts,tsx}'],
          environment: 'jsdom',
          setupFiles: ['grafana-plugin/vitest.setup.ts'],
          // @grafana/* ship ESM that imports CommonJS packages by name (moment-timezone): let Vite convert.
          server: { deps: { inline: [/@grafana\//] } },
          testTimeout: 20_000,
        },
      },
    ],
  },
});
