// Writes the input-rate traces of the benchmark (one JSON file each). Deterministic: run it again and
// the files come out the same. `node sidecar/traces/make-traces.mjs`
import { writeFileSync } from 'node:fs';
import { uniformFloat64 } from 'pure-rand/distribution/uniformFloat64';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';

const HOUR = 3600;
/** 1000 records/s per worker at full CPU; 1 GiB of state (a 20 s restart). */
const job = (initialWorkers, extra = {}) => ({
  capacityPerWorker: 1000,
  stateMb: 1024,
  initialWorkers,
  minWorkers: 1,
  maxWorkers: 100,
  ...extra,
});
/** Workers that run a rate at 80 % CPU. */
const sized = (rate) => Math.ceil(rate / 800);

const traces = [
  {
    name: 'step',
    description: 'A 2x step: 20,000 records/s for an hour, then 40,000 for two.',
    durationSeconds: 3 * HOUR,
    points: [
      [0, 20000],
      [HOUR, 20000],
      [HOUR + 1, 40000],
    ],
    changes: [HOUR],
    job: job(sized(20000)),
  },
  (() => {
    const points = [];
    // peak 40,000 at 14:00, trough 10,000 at 02:00: 4:1
    for (let t = 0; t <= 24 * HOUR; t += 300) {
      const phase = (2 * Math.PI * (t - 14 * HOUR)) / (24 * HOUR);
      points.push([t, Math.round(25000 + 15000 * Math.cos(phase))]);
    }
    return {
      name: 'daily',
      description:
        'A daily cycle from midnight, peak (40,000 records/s at 14:00) to trough (10,000 at 02:00) 4:1.',
      durationSeconds: 24 * HOUR,
      points,
      job: job(sized(points[0][1])),
    };
  })(),
  {
    name: 'surge',
    description:
      'A rollout surge: steady 20,000 records/s; at 1 h, 30 minutes of input (36 M records) arrive as backlog at once.',
    durationSeconds: 3 * HOUR,
    points: [[0, 20000]],
    surges: [[HOUR, 30 * 60 * 20000]],
    changes: [HOUR],
    job: job(sized(20000)),
  },
  {
    name: 'growth',
    description: 'Load doubling over the trace: 20,000 records/s growing steadily to 40,000 in 24 h.',
    durationSeconds: 24 * HOUR,
    points: [
      [0, 20000],
      [24 * HOUR, 40000],
    ],
    job: job(sized(20000)),
  },
  (() => {
    const rng = xoroshiro128plus(7);
    const points = [];
    for (let t = 0; t <= 6 * HOUR; t += 60)
      points.push([t, Math.round(20000 * (0.9 + 0.2 * uniformFloat64(rng)))]);
    return {
      name: 'stationary',
      description: 'Stationary load: 20,000 records/s with ±10 % noise (a new level every minute) for 6 h.',
      durationSeconds: 6 * HOUR,
      points,
      job: job(sized(20000)),
    };
  })(),
  {
    name: 'partition-capped',
    description:
      'A job capped by 24 source partitions (24,000 records/s at most): input steps from 16,000 to 32,000 at 1 h.',
    durationSeconds: 3 * HOUR,
    points: [
      [0, 16000],
      [HOUR, 16000],
      [HOUR + 1, 32000],
    ],
    changes: [HOUR],
    job: job(sized(16000), { partitions: 24 }),
  },
];

const dir = new URL('.', import.meta.url);
for (const trace of traces) {
  writeFileSync(new URL(`${trace.name}.json`, dir), `${JSON.stringify(trace, null, 1)}\n`);
}
console.log(`wrote ${traces.length} traces: ${traces.map((t) => t.name).join(', ')}`);
