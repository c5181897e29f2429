/**
 * The sidecar's cost per evaluation cycle for a large job (50 vertices × 256 subtasks): requests to Flink,
 * CPU time and resident memory, measured in a separate `flink-autoscaler bench-cycle` process against the
 * Flink REST double, with a bare Node process as the memory baseline. Prints a table and writes
 * test/bench/sidecar.md. Run: `npm run bench:sidecar`.
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startFlinkDouble } from '../doubles/flink/index.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const VERTICES = 50;
const SUBTASKS = 256;
const CYCLES = Number(process.env.BENCH_CYCLES ?? 30);

const flink = await startFlinkDouble({
  clusterId: 'bench',
  middleVertices: VERTICES - 2,
  slotsPerTaskManager: 2,
  maxParallelism: SUBTASKS,
  jobShape: { initialWorkers: SUBTASKS / 2, capacityPerWorker: 1000, maxWorkers: SUBTASKS },
  input: 100_000,
});
flink.advance(120);
// The job's time moves on while the sidecar measures, as it would in production.
const ticker = setInterval(() => flink.advance(15), 100);
process.stderr.write(
  `${JSON.stringify({ msg: 'flink double up', url: flink.url, vertices: VERTICES, subtasks: SUBTASKS })}\n`,
);

const node = process.execPath;
const bare = spawnSync(node, ['-e', 'process.stdout.write(String(process.resourceUsage().maxRSS / 1024))'], {
  encoding: 'utf8',
});
const bareRssMiB = Number(bare.stdout);
process.stderr.write(`${JSON.stringify({ msg: 'measuring', cycles: CYCLES })}\n`);
const run = await new Promise<{ stdout: string; status: number | null }>((done) => {
  // asynchronous, so this process keeps serving the double while the sidecar asks it
  import('node:child_process').then(({ spawn }) => {
    const child = spawn(node, [
      join(root, 'sidecar/dist/cli/main.js'),
      'bench-cycle',
      '--flink-url',
      flink.url,
      '--cycles',
      String(CYCLES),
    ]);
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.pipe(process.stderr);
    child.on('close', (status) => done({ stdout, status }));
  });
});
clearInterval(ticker);
await flink.close();
if (run.status !== 0) throw new Error(`bench-cycle failed (exit ${run.status})`);
const figures = JSON.parse(run.stdout) as {
  requestsPerCycle: { median: number; max: number };
  cpuMsPerCycle: { median: number; max: number };
  maxRssMiB: number;
  status: { droppedSamples: Record<string, number>; signals: unknown };
};
const rows = [
  [
    'requests to Flink per cycle',
    `${figures.requestsPerCycle.median} (max ${figures.requestsPerCycle.max})`,
    `≤ vertices + 5 = ${VERTICES + 5}`,
  ],
  [
    'CPU time per cycle',
    `${figures.cpuMsPerCycle.median.toFixed(1)} ms median (max ${figures.cpuMsPerCycle.max.toFixed(1)} ms)`,
    '≤ 20 ms',
  ],
  [
    'peak resident memory',
    `${figures.maxRssMiB.toFixed(1)} MiB (bare Node ${bareRssMiB.toFixed(1)} MiB: +${(figures.maxRssMiB - bareRssMiB).toFixed(1)} MiB)`,
    '≤ bare Node + 40 MiB',
  ],
];
const table =
  `| figure (${VERTICES} vertices × ${SUBTASKS} subtasks, ${CYCLES} cycles, Node ${process.version}) | measured | target |\n| --- | --- | --- |\n` +
  rows.map((r) => `| ${r.join(' | ')} |`).join('\n') +
  '\n';
process.stdout.write(table);
const dropped = Object.entries(figures.status.droppedSamples);
if (!figures.status.signals)
  throw new Error(`the sidecar never had signals (dropped: ${JSON.stringify(dropped)})`);
writeFileSync(
  join(root, 'test/bench/sidecar.md'),
  `# The sidecar's cost per cycle\n\nMade by \`npm run bench:sidecar\`: \`flink-autoscaler bench-cycle\` in its own process against the Flink REST double serving a job of ${VERTICES} vertices × ${SUBTASKS} subtasks (128 TaskManagers × 2 slots); CPU time from process.cpuUsage around each cycle, memory from the process's peak RSS, the baseline from a bare \`node -e\`.\n\n${table}\nSamples dropped during the run: ${dropped.length === 0 ? 'none' : JSON.stringify(Object.fromEntries(dropped))}.\n`,
);
