/**
 * The evidence for the stateful autoscaler's options (docs/policy.md, "Options beyond policy.md"): `ours`
 * with each option on its own and with the chosen set, against the `seed` profile (every option at 0, as
 * policy.md), on every trace at several seeds and both state sizes of the benchmark. Prints markdown tables:
 * worker-hours × the reference at target CPU (mean over the seeds) · the share of time with backlog time
 * ≤ 120 s (mean, and the least over the seeds in brackets) · rescales (mean).
 *
 *   npx tsx scripts/policy-evidence.ts [--seeds 3] [--traces a,b] [--variants seed,P,...] [--state-gib 1,8] [--digits 1]
 */
import { BENCH_STATE_GIB, measure, withState, yardsticks } from '../sidecar/src/simulation/bench.js';
import { oursFactory } from '../sidecar/src/simulation/controllers/ours.js';
import { loadTrace, traceNames } from '../sidecar/src/simulation/trace.js';
import { arg } from './args.js';
import { variant, VARIANTS } from './policy-variants.js';

const seeds = Array.from({ length: Number(arg('--seeds') ?? 3) }, (_, i) => i + 1);
const traces = (arg('--traces')?.split(',') ?? traceNames()).map((n) => loadTrace(n));
const variants = arg('--variants')?.split(',') ?? Object.keys(VARIANTS);
const states = arg('--state-gib')?.split(',').map(Number) ?? [...BENCH_STATE_GIB];
/** Decimals of the shares of time within 120 s. */
const digits = Number(arg('--digits') ?? 1);

for (const stateGiB of states) {
  const lines = [
    `### ${stateGiB} GiB of state (seeds ${seeds.join(', ')})`,
    '',
    `| trace | ${variants.join(' | ')} |`,
    `| --- |${variants.map(() => ' --- |').join('')}`,
  ];
  for (const base of traces) {
    const y = yardsticks(base);
    const trace = withState(base, stateGiB);
    const cells = variants.map((v) => {
      const overrides = variant(v);
      const rows = seeds.map(
        (seed) =>
          measure(trace, oursFactory(overrides), { seed, yardsticks: y, timelineStep: trace.durationSeconds })
            .row,
      );
      const mean = (f: (r: (typeof rows)[number]) => number) =>
        rows.reduce((a, r) => a + f(r), 0) / rows.length;
      const least = Math.min(...rows.map((r) => r.sloAttainment));
      const slo = `${(100 * mean((r) => r.sloAttainment)).toFixed(digits)} % (${(100 * least).toFixed(digits)} %)`;
      return `${mean((r) => r.referenceRatio).toFixed(2)}× · ${slo} · ${mean((r) => r.rescales).toFixed(0)}`;
    });
    lines.push(`| ${base.name} | ${cells.join(' | ')} |`);
    process.stderr.write(`${stateGiB} GiB ${base.name}\n`);
  }
  process.stdout.write(`${lines.join('\n')}\n\n`);
}
