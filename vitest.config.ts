import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: [
      { test: { name: 'shared', include: ['shared/test/**/*.test.ts'] } },
      { test: { name: 'sidecar', include: ['sidecar/test/**/*.test.ts'] } },
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
