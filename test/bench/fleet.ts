/**
 * The fleet against one API server: FLEET_SIDECARS (default 1,000) sidecars' Kubernetes loops (list+watch of
 * their FlinkDeployment, their Lease), in FLEET_PROCESSES child processes, against one Kubernetes double,
 * through two API server restarts. Prints the request rate at the double over time (peak and 99th percentile
 * per second, at steady state and after each restart), the requests per sidecar in the minute after each
 * restart, and the time until every loop watches again; writes the figures into test/bench/chaos.json
 * (fleet*) and a table into test/bench/fleet.md. Run: `npm run bench:fleet`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { flinkDeployment, startKubeDouble } from '../doubles/kube/index.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const SIDECARS = Number(process.env.FLEET_SIDECARS ?? 1000);
const PROCESSES = Number(process.env.FLEET_PROCESSES ?? 2);
const NAMESPACES = 10;
const PREFIX = 'fleet-';
/** Seconds of steady state before the first restart, and after each restart. */
const STEADY_S = Number(process.env.FLEET_STEADY_SECONDS ?? 90);
const AFTER_S = Number(process.env.FLEET_AFTER_SECONDS ?? 75);
/** Where fleet.md and chaos.json go (a trial run can point elsewhere). */
const OUT = resolve(process.env.BENCH_OUT ?? join(root, 'test/bench'));

const say = (fields: Record<string, unknown>): void => {
  process.stderr.write(`${JSON.stringify({ time: new Date().toISOString(), ...fields })}\n`);
};
const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

const admin = { token: 'fleet-admin', username: 'fleet-admin', groups: ['system:masters'] };
const kube = await startKubeDouble({
  users: [admin],
  namespaces: Array.from({ length: NAMESPACES }, (_, i) => `${PREFIX}${i}`),
});
for (let i = 0; i < SIDECARS; i += 1) {
  kube.flinkDeployments.put(flinkDeployment({ name: `job-${i}`, namespace: `${PREFIX}${i % NAMESPACES}` }));
}
say({ msg: 'kube double up', url: kube.url, sidecars: SIDECARS, processes: PROCESSES });

const started = Date.now();
const watching = new Map<number, number>();
const children: ChildProcess[] = [];
const per = Math.ceil(SIDECARS / PROCESSES);
for (let p = 0; p < PROCESSES; p += 1) {
  const from = p * per;
  const count = Math.max(0, Math.min(per, SIDECARS - from));
  const child = spawn(
    join(root, 'node_modules/.bin/tsx'),
    [
      join(root, 'test/bench/fleet-loops.ts'),
      kube.url,
      admin.token,
      PREFIX,
      String(NAMESPACES),
      String(from),
      String(count),
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  children.push(child);
  createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
    try {
      watching.set(p, (JSON.parse(line) as { watching: number }).watching);
    } catch {
      // not a report line
    }
  });
}
const allWatching = () => [...watching.values()].reduce((a, b) => a + b, 0) >= SIDECARS;

/** Waits until every loop watches; the seconds it took. */
async function untilAllWatching(since: number, limitS: number): Promise<number | null> {
  while (Date.now() - since < limitS * 1000) {
    if (allWatching()) return (Date.now() - since) / 1000;
    await sleep(100);
  }
  return null;
}

const warmUp = await untilAllWatching(started, 300);
say({ msg: 'every loop watches', seconds: warmUp });
const steadyFrom = Date.now();
for (let s = 0; s < STEADY_S; s += 15) {
  await sleep(15_000);
  say({ msg: 'steady state', second: s + 15, of: STEADY_S });
}
const steadyTo = Date.now();

const restarts: { at: number; secondsUntilAllWatching: number | null }[] = [];
for (let r = 0; r < 2; r += 1) {
  // Give the loops a moment to see the drop before counting them as watching again.
  const at = Date.now();
  kube.restart();
  say({ msg: 'API server restarted', restart: r + 1 });
  await sleep(500);
  const took = await untilAllWatching(at, AFTER_S);
  restarts.push({ at, secondsUntilAllWatching: took === null ? null : took });
  say({ msg: 'after the restart', restart: r + 1, secondsUntilAllWatching: took });
  await sleep(Math.max(0, AFTER_S * 1000 - (Date.now() - at)));
}
const ended = Date.now();

for (const child of children) child.kill('SIGTERM');
await Promise.all(children.map((child) => new Promise((done) => child.once('exit', done))));
const records = kube.requests();
await kube.close();

/** Requests per second, from `from` to `to` (ms), one bucket a second. */
function perSecond(from: number, to: number): number[] {
  const buckets = new Array<number>(Math.max(1, Math.ceil((to - from) / 1000))).fill(0);
  for (const record of records) {
    const at = (record as { at?: number }).at;
    if (at === undefined || at < from || at >= to) continue;
    const index = Math.floor((at - from) / 1000);
    buckets[index] = (buckets[index] ?? 0) + 1;
  }
  return buckets;
}
const quantile = (values: number[], q: number): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
};
const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);

const steady = perSecond(steadyFrom, steadyTo);
const whole = perSecond(steadyFrom, ended);
const afterRestarts = restarts.map((restart) => {
  const minute = perSecond(restart.at, restart.at + 60_000);
  return {
    secondsUntilAllWatching: restart.secondsUntilAllWatching,
    firstMinuteRequestsPerSidecar: sum(minute) / SIDECARS,
    peakRequestsPerSecond: Math.max(...minute),
  };
});
const figures = {
  fleetSidecars: SIDECARS,
  fleetProcesses: PROCESSES,
  fleetSteadyRequestsPerMinutePerSidecar: sum(steady) / (steady.length / 60) / SIDECARS,
  fleetSteadyPeakRequestsPerSecond: Math.max(...steady),
  fleetPeakRequestsPerSecond: Math.max(...whole),
  fleetP99RequestsPerSecond: quantile(whole, 0.99),
  fleetFirstMinuteRequestsAfterRestartPerSidecar: Math.max(
    ...afterRestarts.map((r) => r.firstMinuteRequestsPerSidecar),
  ),
  fleetSecondsUntilAllWatching: afterRestarts.some((r) => r.secondsUntilAllWatching === null)
    ? null
    : Math.max(...afterRestarts.map((r) => r.secondsUntilAllWatching ?? 0)),
  fleetRestarts: afterRestarts,
  fleetWarmUpSeconds: warmUp,
};

const round = (n: number | null) => (n === null ? 'never' : String(Math.round(n * 100) / 100));
const table = [
  `# The fleet through two API server restarts`,
  ``,
  `\`npm run bench:fleet\`: ${SIDECARS} sidecars' Kubernetes loops (list+watch of their FlinkDeployment, their`,
  `Lease) in ${PROCESSES} processes against one Kubernetes double; ${STEADY_S} s of steady state, then two`,
  `restarts ${AFTER_S} s apart (every watch and connection dropped, the watch cache empty). Measured ${new Date().toISOString().slice(0, 10)}.`,
  ``,
  `| figure | value |`,
  `| --- | --- |`,
  `| requests per minute per sidecar, steady state | ${round(figures.fleetSteadyRequestsPerMinutePerSidecar)} |`,
  `| peak requests per second, steady state | ${figures.fleetSteadyPeakRequestsPerSecond} |`,
  `| peak requests per second, whole run | ${figures.fleetPeakRequestsPerSecond} |`,
  `| 99th percentile requests per second, whole run | ${figures.fleetP99RequestsPerSecond} |`,
  ...afterRestarts.map(
    (r, i) =>
      `| restart ${i + 1}: requests per sidecar in the first minute · peak per second · seconds until every loop watches | ${round(r.firstMinuteRequestsPerSidecar)} · ${r.peakRequestsPerSecond} · ${round(r.secondsUntilAllWatching)} |`,
  ),
  ``,
  `Requests per second over the run (one number per 5 s, the most in any second of it):`,
  ``,
  '```',
  chunk(whole, 5)
    .map((c) => Math.max(...c))
    .join(' '),
  '```',
  ``,
].join('\n');

function chunk(values: number[], size: number): number[][] {
  const out: number[][] = [];
  for (let i = 0; i < values.length; i += size) out.push(values.slice(i, i + size));
  return out;
}

process.stdout.write(`${table}\n`);
writeFileSync(join(OUT, 'fleet.md'), table);
const jsonPath = join(OUT, 'chaos.json');
const previous = existsSync(jsonPath) ? (JSON.parse(readFileSync(jsonPath, 'utf8')) as object) : {};
writeFileSync(jsonPath, `${JSON.stringify({ ...previous, ...figures }, null, 2)}\n`);
say({ msg: 'written', files: [join(OUT, 'fleet.md'), jsonPath] });
process.exit(0);
