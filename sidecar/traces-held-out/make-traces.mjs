// Writes held-out input-rate traces: shapes no option or default was chosen on, for checking that a default
// change generalises (scripts/policy-per-run.ts --trace-dir sidecar/traces-held-out). Not part of the
// benchmark's tables. Deterministic: `node sidecar/traces-held-out/make-traces.mjs && npx prettier --write
// sidecar/traces-held-out`.
import { writeFileSync } from 'node:fs';

const HOUR = 3600;
const MINUTE = 60;
/** 1000 records/s per worker at full CPU; 1 GiB of state (a 20 s restart). */
const job = (initialWorkers) => ({
  capacityPerWorker: 1000,
  stateMb: 1024,
  initialWorkers,
  minWorkers: 1,
  maxWorkers: 100,
});
/** Workers that run a rate at 80 % CPU. */
const sized = (rate) => Math.ceil(rate / 800);

/** A piecewise-constant load: [from, rate] levels, each held until the next. */
function levels(list, durationSeconds) {
  const points = [];
  list.forEach(([from, rate], i) => {
    if (i > 0) points.push([from - 1, list[i - 1][1]]);
    points.push([from, rate]);
  });
  points.push([durationSeconds, list.at(-1)[1]]);
  return { points, changes: list.slice(1).map(([from]) => from) };
}

const traces = [
  {
    name: 'ramp-hold',
    description: 'A fast ramp: 10,000 records/s rising evenly to 40,000 over two hours, then held for one.',
    durationSeconds: 3 * HOUR,
    points: [
      [0, 10000],
      [2 * HOUR, 40000],
      [3 * HOUR, 40000],
    ],
    job: job(sized(10000)),
  },
  {
    name: 'spikes',
    description: 'Three 3x spikes of 5 minutes (36,000 records/s) on 12,000, at 40, 85 and 130 minutes.',
    durationSeconds: 3 * HOUR,
    ...levels(
      [
        [0, 12000],
        [40 * MINUTE, 36000],
        [45 * MINUTE, 12000],
        [85 * MINUTE, 36000],
        [90 * MINUTE, 12000],
        [130 * MINUTE, 36000],
        [135 * MINUTE, 12000],
      ],
      3 * HOUR,
    ),
    job: job(sized(12000)),
  },
  {
    name: 'decline',
    description: 'A decline in steps: 36,000 records/s, 15 % less every 20 minutes, for three hours.',
    durationSeconds: 3 * HOUR,
    ...levels(
      Array.from({ length: 9 }, (_, k) => [k * 20 * MINUTE, Math.round(36000 * 0.85 ** k)]),
      3 * HOUR,
    ),
    job: job(sized(36000)),
  },
  {
    name: 'step-down',
    description: 'A step down: 40,000 records/s for an hour, then 15,000 for two.',
    durationSeconds: 3 * HOUR,
    ...levels(
      [
        [0, 40000],
        [HOUR, 15000],
      ],
      3 * HOUR,
    ),
    job: job(sized(40000)),
  },
];

const dir = new URL('.', import.meta.url);
for (const trace of traces) {
  writeFileSync(new URL(`${trace.name}.json`, dir), `${JSON.stringify(trace, null, 1)}\n`);
}
console.log(`wrote ${traces.length} traces: ${traces.map((t) => t.name).join(', ')}`);
