// Writes the input-rate traces of the benchmark (one JSON file each). Deterministic: run it again and
// the files come out the same. `node sidecar/traces/make-traces.mjs && npx prettier --write sidecar/traces`
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
  (() => {
    // Monday 00:00 to Sunday 24:00. Weekdays: the daily shape, peak 30,000 records/s at 14:00, trough 8,000
    // at 02:00; weekends at half that. On top, random bursts (seeded, so the file repeats): 2-3x the level for
    // 5-20 minutes, about two a day, starting and ending within a second.
    const rng = xoroshiro128plus(11);
    const uniform = (lo, hi) => lo + (hi - lo) * uniformFloat64(rng);
    const DAY = 24 * HOUR;
    const base = (t) => {
      const day = Math.floor(t / DAY);
      const level = day >= 5 ? 0.5 : 1;
      const phase = (2 * Math.PI * ((t % DAY) - 14 * HOUR)) / DAY;
      return level * (19000 + 11000 * Math.cos(phase));
    };
    const bursts = [];
    for (let start = uniform(1, 12) * HOUR; start < 7 * DAY - HOUR; start += uniform(6, 18) * HOUR) {
      const from = Math.round(start);
      bursts.push({ from, to: from + Math.round(uniform(5, 20) * 60), factor: uniform(2, 3) });
    }
    const times = new Set();
    for (let t = 0; t <= 7 * DAY; t += 300) times.add(t);
    for (const b of bursts) for (const t of [b.from - 1, b.from, b.to - 1, b.to]) times.add(t);
    const rate = (t) => {
      const burst = bursts.find((b) => t >= b.from && t < b.to);
      return Math.round(base(t) * (burst ? burst.factor : 1));
    };
    const points = [...times].sort((a, b) => a - b).map((t) => [t, rate(t)]);
    return {
      name: 'week',
      description: `A week from Monday: weekdays peak at 30,000 records/s (14:00) and trough at 8,000 (02:00), weekends at half; ${bursts.length} random 2-3x bursts of 5-20 minutes.`,
      durationSeconds: 7 * DAY,
      points,
      changes: bursts.flatMap((b) => [b.from, b.to]),
      job: job(sized(points[0][1])),
    };
  })(),
  {
    name: 'flash',
    description: 'A flash crowd: steady 15,000 records/s; at 1 h, 5x (75,000) for 10 minutes, then back.',
    durationSeconds: 3 * HOUR,
    points: [
      [0, 15000],
      [HOUR - 1, 15000],
      [HOUR, 75000],
      [HOUR + 599, 75000],
      [HOUR + 600, 15000],
    ],
    changes: [HOUR, HOUR + 600],
    job: job(sized(15000)),
  },
  (() => {
    // 10,000 rising to 30,000 over 30 minutes, then back to 10,000 within a second, 12 times.
    const points = [];
    const changes = [];
    for (let k = 0; k < 12; k++) {
      const t0 = k * 1800;
      points.push([t0, 10000], [t0 + 1799, 30000]);
      if (k > 0) changes.push(t0);
    }
    return {
      name: 'sawtooth',
      description:
        'A sawtooth: 10,000 records/s rising to 30,000 over 30 minutes, then dropping back at once; 6 h.',
      durationSeconds: 6 * HOUR,
      points,
      changes,
      job: job(sized(10000)),
    };
  })(),
  (() => {
    // 10,000 and 30,000 records/s in turn, 30 minutes each.
    const points = [];
    const changes = [];
    for (let k = 0; k < 12; k++) {
      const t0 = k * 1800;
      const rate = k % 2 === 0 ? 10000 : 30000;
      points.push([t0, rate], [t0 + 1799, rate]);
      if (k > 0) changes.push(t0);
    }
    return {
      name: 'square',
      description: 'A square wave: 10,000 and 30,000 records/s in turn, 30 minutes each; 6 h.',
      durationSeconds: 6 * HOUR,
      points,
      changes,
      job: job(sized(10000)),
    };
  })(),
  ...[
    { name: 'efficiency', skew: 0, what: 'no skew' },
    { name: 'efficiency-skew', skew: 0.3, what: 'one hot split: its subtask carries 1.3x its share' },
  ].map(({ name, skew, what }) => ({
    name,
    description: `A job that loses efficiency as it widens (n workers do the work of n / (1 + 0.01 (n - 1))), ${what}: 12,000 records/s, 24,000 from 1 h to 4 h; 6 h.`,
    durationSeconds: 6 * HOUR,
    points: [
      [0, 12000],
      [HOUR - 1, 12000],
      [HOUR, 24000],
      [4 * HOUR - 1, 24000],
      [4 * HOUR, 12000],
    ],
    changes: [HOUR, 4 * HOUR],
    job: job(Math.ceil((12000 * (1 + skew)) / 800 / (1 - 0.01 * 14)), { efficiencyLoss: 0.01, skew }),
  })),
];

const dir = new URL('.', import.meta.url);
for (const trace of traces) {
  writeFileSync(new URL(`${trace.name}.json`, dir), `${JSON.stringify(trace, null, 1)}\n`);
}
console.log(`wrote ${traces.length} traces: ${traces.map((t) => t.name).join(', ')}`);
