/**
 * The sidecar's cost for a large job (50 vertices × 256 subtasks), against the Flink REST double:
 * requests to Flink and CPU time per evaluation cycle, measured inside a `flink-autoscaler bench-cycle`
 * process; then the real `flink-autoscaler sidecar` process (Kubernetes double, HTTP server, watch, a
 * scrape every 5 s) run for a number of cycles, its peak resident memory (VmHWM) against a bare Node
 * process's. Prints a table and writes test/bench/sidecar.md. Run: `npm run bench:sidecar`.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SIDECAR_NODE_OPTIONS } from '../../sidecar/src/injector/settings.js';
import { startFlinkDouble } from '../doubles/flink/index.js';
import { flinkDeployment, serviceAccount, startKubeDouble } from '../doubles/kube/index.js';
import { sidecarRules } from '../fixtures/rbac.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const VERTICES = 50;
const SUBTASKS = 256;
const CYCLES = Number(process.env.BENCH_CYCLES ?? 30);
const PROCESS_CYCLES = Number(process.env.BENCH_PROCESS_CYCLES ?? 40);
/** The sidecar's Node flags: the injector's, unless BENCH_NODE_OPTIONS gives others to compare. */
const NODE_OPTIONS = process.env.BENCH_NODE_OPTIONS ?? SIDECAR_NODE_OPTIONS;

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
      ...NODE_OPTIONS.split(' ').filter((flag) => flag !== ''),
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
if (run.status !== 0) throw new Error(`bench-cycle failed (exit ${run.status})`);

/** The real sidecar process for PROCESS_CYCLES one-second cycles: its peak RSS and CPU per cycle. */
async function measureSidecarProcess(): Promise<{
  peakRssMiB: number;
  cpuMsPerCycle: number;
  cycles: number;
}> {
  const NS = 'bench';
  const sa = serviceAccount(NS, 'flink', 'bench-token');
  const kube = await startKubeDouble({ namespace: NS, users: [sa], rules: sidecarRules(NS, sa.username) });
  kube.flinkDeployments.put(
    flinkDeployment({ name: 'bench', namespace: NS, replicas: SUBTASKS / 2, slotsPerTaskManager: 2 }),
  );
  kube.flinkDeployments.reconcile(NS, 'bench');
  const { spawn } = await import('node:child_process');
  const { createServer } = await import('node:net');
  const port = await new Promise<number>((done) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const free = (probe.address() as { port: number }).port;
      probe.close(() => done(free));
    });
  });
  // with the Node flags the injector gives the sidecar container (NODE_OPTIONS)
  const child = spawn(
    node,
    [
      ...NODE_OPTIONS.split(' ').filter((flag) => flag !== ''),
      join(root, 'sidecar/dist/cli/main.js'),
      'sidecar',
      ...['--flink-url', flink.url, '--namespace', NS, '--name', 'bench'],
      ...['--kubeconfig', kube.kubeconfig({ token: sa.token }, { namespace: NS })],
      ...['--listen', `127.0.0.1:${port}`, '--interval-seconds', '1', '--window-seconds', '10'],
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let log = '';
  child.stderr.on('data', (d: Buffer) => (log += d.toString()));
  const pid = child.pid ?? 0;
  const procStatus = (field: string) =>
    Number(
      new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1],
    ) / 1024;
  const cpuMs = () => {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // utime + stime, USER_HZ = 100
  };
  const evaluations = async () => {
    const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    return Number(/^flink_autoscaler_evaluation_duration_seconds_count\{[^}]*\} (\d+)/m.exec(text)?.[1] ?? 0);
  };
  try {
    const start = Date.now();
    let first: { n: number; cpu: number } | undefined;
    let last = { n: 0, cpu: 0 };
    while (Date.now() - start < (PROCESS_CYCLES + 60) * 1000) {
      await new Promise((r) => setTimeout(r, 5000)); // a scrape every 5 s, as a busy Prometheus would
      const n = await evaluations().catch(() => 0);
      if (n > 0 && first === undefined) first = { n, cpu: cpuMs() };
      last = { n, cpu: cpuMs() };
      process.stderr.write(
        `${JSON.stringify({ msg: 'sidecar process', cycles: n, rssMiB: procStatus('VmRSS') })}\n`,
      );
      if (first !== undefined && n - first.n >= PROCESS_CYCLES) break;
    }
    if (first === undefined || last.n <= first.n) throw new Error(`the sidecar did not evaluate:\n${log}`);
    return {
      peakRssMiB: procStatus('VmHWM'),
      cpuMsPerCycle: (last.cpu - first.cpu) / (last.n - first.n),
      cycles: last.n - first.n,
    };
  } finally {
    child.kill('SIGTERM');
    await kube.close();
  }
}

process.stderr.write(`${JSON.stringify({ msg: 'measuring the sidecar process', cycles: PROCESS_CYCLES })}\n`);
const real = await measureSidecarProcess();
clearInterval(ticker);
await flink.close();
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
    `CPU time per cycle, whole sidecar process (${real.cycles} cycles)`,
    `${real.cpuMsPerCycle.toFixed(1)} ms (HTTP server, watch, scrapes included)`,
    '≤ 20 ms',
  ],
  [
    'peak resident memory, whole sidecar process',
    `${real.peakRssMiB.toFixed(1)} MiB (bare Node ${bareRssMiB.toFixed(1)} MiB: +${(real.peakRssMiB - bareRssMiB).toFixed(1)} MiB)`,
    '≤ bare Node + 40 MiB',
  ],
  [
    'peak resident memory, bench-cycle process',
    `${figures.maxRssMiB.toFixed(1)} MiB (+${(figures.maxRssMiB - bareRssMiB).toFixed(1)} MiB)`,
    '(the cycle alone)',
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
  `# The sidecar's cost per cycle\n\nMade by \`npm run bench:sidecar\` against the Flink REST double serving a job of ${VERTICES} vertices × ${SUBTASKS} subtasks (128 TaskManagers × 2 slots). Requests and the per-cycle CPU median come from \`flink-autoscaler bench-cycle\` (process.cpuUsage around each cycle). The whole-process figures come from the real \`flink-autoscaler sidecar\` (Kubernetes double, HTTP server, watch; one-second cycles, /metrics scraped every 5 s; Node flags \`${NODE_OPTIONS}\`${NODE_OPTIONS === SIDECAR_NODE_OPTIONS ? ', those the injector sets' : ''}): CPU from /proc/PID/stat over the cycles, peak memory from VmHWM; the baseline is a bare \`node -e\`.\n\n${table}\nSamples dropped during the run: ${dropped.length === 0 ? 'none' : JSON.stringify(Object.fromEntries(dropped))}.\n`,
);
