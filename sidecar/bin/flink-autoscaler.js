#!/usr/bin/env node
// The installed command: runs the built CLI (sidecar/dist, made by `tsc -b` in the README's set-up).
import { existsSync } from 'node:fs';

const main = new URL('../dist/cli/main.js', import.meta.url);
if (!existsSync(main)) {
  process.stderr.write(
    'flink-autoscaler: not built yet; run `npm start` or `npm run build` at the repository root\n',
  );
  process.exit(1);
}
await import(main.href);
