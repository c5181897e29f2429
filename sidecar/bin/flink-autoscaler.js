#!/usr/bin/env node
// The installed command: runs the built CLI (sidecar/dist, made by `tsc -b` in the README's set-up) on
// Node 24, the project's runtime. Started by an older node (the machine's, from a shell), it re-runs
// itself with the Node 24 that the set-up put in .tools/.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const major = Number(process.versions.node.split('.')[0]);
if (major < 24) {
  const node24 = fileURLToPath(new URL('../../.tools/node24/node_modules/node/bin/node', import.meta.url));
  if (!existsSync(node24)) {
    process.stderr.write(
      `flink-autoscaler: needs Node 24 (this is ${process.version}); run \`npm start\` or \`npm test\` once at the repository root to install it\n`,
    );
    process.exit(1);
  }
  const result = spawnSync(node24, [fileURLToPath(import.meta.url), ...process.argv.slice(2)], {
    stdio: 'inherit',
  });
  process.exit(result.status ?? 1);
}

const main = new URL('../dist/cli/main.js', import.meta.url);
if (!existsSync(main)) {
  process.stderr.write(
    'flink-autoscaler: not built yet; run `npm start` or `npm run build` at the repository root\n',
  );
  process.exit(1);
}
await import(main.href);
