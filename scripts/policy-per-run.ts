/**
 * The rule for a default change (docs/policy.md): per run, never worse. Runs `ours` with two named variants
 * (scripts/policy-variants.ts) on every trace, seed and state size of the benchmark, and prints each run where
 * `--after` has more worker-hours or less time within 120 s than `--before`, then the counts and the mean
 * ratio of worker-hours. `--seeds` takes a list, so seeds no table was made with can be checked too.
 *
 * `--trace-dir sidecar/traces-held-out` runs the held-out loads instead, shapes no choice was made with.
 *
 *   npx tsx scripts/policy-per-run.ts --before default+W0 --after default [--seeds 1,2,3] [--traces a,b]
 *     [--trace-dir dir] [--state-gib 1,8] [--out comparison.json]
 */
import { writeFileSync } from 'node:fs';
import {
  BENCH_STATE_GIB,
  measure,
  withState,
  yardsticks,
  type ResultRow,
} from '../sidecar/src/simulation/bench.js';
import { oursFactory } from '../sidecar/src/simulation/controllers/ours.js';
import { compareRuns } from '../sidecar/src/simulation/per-run.js';
import { loadTrace, traceNames, TRACES_DIR } from '../sidecar/src/simulation/trace.js';
import { arg } from './args.js';
import { variant } from './policy-variants.js';

function list(name: string, fallback: number[], least: number): number[] {
  const raw = arg(name);
  if (raw === undefined) return fallback;
  const values = raw.split(',').map(Number);
  if (values.some((v) => !Number.isInteger(v) || v < least))
    throw new Error(`${name}: whole numbers of at least ${least}, comma-separated`);
  return values;
}

const [beforeName, afterName] = [arg('--before'), arg('--after')];
if (!beforeName || !afterName) {
  process.stderr.write('usage: policy-per-run.ts --before <variant> --after <variant> [--seeds 1,2,3]\n');
  process.exit(2);
}
const before = variant(beforeName);
const after = variant(afterName);
const seeds = list('--seeds', [1, 2, 3], 0);
const states = list('--state-gib', [...BENCH_STATE_GIB], 1);
const dir = arg('--trace-dir') ?? TRACES_DIR;
const traces = (arg('--traces')?.split(',') ?? traceNames(dir)).map((n) => loadTrace(n, dir));

const rows: { before: ResultRow[]; after: ResultRow[] } = { before: [], after: [] };
for (const base of traces) {
  const y = yardsticks(base);
  for (const stateGiB of states) {
    const trace = withState(base, stateGiB);
    for (const seed of seeds) {
      const options = { seed, yardsticks: y, timelineStep: trace.durationSeconds };
      rows.before.push(measure(trace, oursFactory(before), options).row);
      rows.after.push(measure(trace, oursFactory(after), options).row);
    }
  }
  process.stderr.write(`${base.name}\n`);
}

const comparison = compareRuns(rows.before, rows.after);
const pct = (share: number) => `${(100 * share).toFixed(5)} %`;
for (const w of comparison.worse) {
  process.stdout.write(
    `${w.trace} ${w.stateGiB} GiB seed ${w.seed}: worker-hours ${w.workerHours.before.toFixed(2)} → ` +
      `${w.workerHours.after.toFixed(2)}, within 120 s ${pct(w.sloAttainment.before)} → ${pct(w.sloAttainment.after)}\n`,
  );
}
process.stdout.write(
  `${afterName} against ${beforeName}, ${comparison.runs} runs (seeds ${seeds.join(', ')}): ` +
    `more worker-hours in ${comparison.moreWorkerHours}, less time within 120 s in ${comparison.lessWithin120s}; ` +
    `worker-hours ${comparison.meanWorkerHoursRatio.toFixed(4)}× on average\n`,
);
const out = arg('--out');
if (out)
  writeFileSync(
    out,
    `${JSON.stringify({ before: beforeName, after: afterName, seeds, ...comparison }, null, 2)}\n`,
  );
