/**
 * The evidence for the stateful autoscaler's options (docs/policy.md, "Options beyond policy.md"): `ours`
 * with each option on its own and with the chosen set, against the `seed` profile (every option at 0, as
 * policy.md), on every trace at several seeds and both state sizes of the benchmark. Prints markdown tables:
 * worker-hours × the reference at target CPU (mean over the seeds) · the share of time with backlog time
 * ≤ 120 s (mean, and the least over the seeds in brackets) · rescales (mean).
 *
 *   npx tsx scripts/policy-evidence.ts [--seeds 3] [--traces a,b] [--variants seed,P,...] [--state-gib 1,8] [--digits 1]
 */
import {
  mergeOverrides as merge,
  PREVIOUS_PROFILE,
  SEED_PROFILE,
  type PolicyOverrides,
} from '@flink-autoscaler/shared';
import { BENCH_STATE_GIB, measure, withState, yardsticks } from '../sidecar/src/simulation/bench.js';
import { oursFactory } from '../sidecar/src/simulation/controllers/ours.js';
import { loadTrace, traceNames } from '../sidecar/src/simulation/trace.js';

/** Every option of issue 14 off: policy.md's behaviour. */
export const SEED: PolicyOverrides = SEED_PROFILE;

/**
 * The sidecar's defaults before the profile switch. The `default+…` variants below were measured on top of
 * these and keep that meaning, so the tables of docs/policy.md made with them stay reproducible; `previous`
 * is this profile, `default` today's.
 */
export const PREVIOUS: PolicyOverrides = PREVIOUS_PROFILE;

export const VARIANTS: Record<string, PolicyOverrides> = {
  seed: SEED,
  P: merge(SEED, { partitionBound: 1 }),
  A: merge(SEED, { scaleUp: { sizeOnDrain: 1 } }),
  C: merge(SEED, { scaleDown: { cleanWindows: 1 } }),
  S: merge(SEED, { scaleDown: { settleAfterCatchUp: 1 } }),
  S2: merge(SEED, { scaleDown: { settleAfterCatchUp: 2 } }),
  R: merge(SEED, { restartAware: 1 }),
  R2: merge(SEED, { restartAware: 2 }),
  R3: merge(SEED, { restartAware: 3 }),
  R4: merge(SEED, { restartAware: 4 }),
  B: merge(SEED, { scaleUp: { duringCooldown: 1 } }),
  T: merge(SEED, { followTrend: 1 }),
  E0: merge(SEED, { effectiveness: 0 }),
  E2: merge(SEED, { effectiveness: 2 }),
  // The previous defaults with A, and with A and S (docs/policy.md).
  'default+A': merge(PREVIOUS, { scaleUp: { sizeOnDrain: 1 } }),
  'default+AS': merge(PREVIOUS, { scaleUp: { sizeOnDrain: 1 }, scaleDown: { settleAfterCatchUp: 1 } }),
  // A, C, T and R at 3 with and without S: the two candidate profiles (docs/policy.md, "Two candidate
  // profiles").
  'default+ACTR3': merge(PREVIOUS, {
    restartAware: 3,
    followTrend: 1,
    scaleUp: { sizeOnDrain: 1 },
    scaleDown: { cleanWindows: 1 },
  }),
  'default+ACSTR3': merge(PREVIOUS, {
    restartAware: 3,
    followTrend: 1,
    scaleUp: { sizeOnDrain: 1 },
    scaleDown: { cleanWindows: 1, settleAfterCatchUp: 1 },
  }),
  // ACSTR3 with R at 4 and B: what ACSTR3 lost on 8 GiB sawtooth and week came from a scale-down that could not
  // absorb its restart and from the cooldown holding a job that fell further behind (docs/policy.md).
  'default+ABCSTR4': merge(PREVIOUS, {
    restartAware: 4,
    followTrend: 1,
    scaleUp: { sizeOnDrain: 1, duringCooldown: 1 },
    scaleDown: { cleanWindows: 1, settleAfterCatchUp: 1 },
  }),
  'default+ABCTR4': merge(PREVIOUS, {
    restartAware: 4,
    followTrend: 1,
    scaleUp: { sizeOnDrain: 1, duringCooldown: 1 },
    scaleDown: { cleanWindows: 1 },
  }),
  // Today's defaults with S at 2: a settle that does not yet pay for its restart waits instead of giving up.
  'default+S2': { scaleDown: { settleAfterCatchUp: 2 } },
  // Today's defaults with A at 2: a draining backlog drawn on only when a rescale gets it under the threshold
  // sooner, its restart included.
  'default+A2': { scaleUp: { sizeOnDrain: 2 } },
  // and with R at 3: no floor under a scale-down for its restart's arrivals (A at 2 does not draw on them).
  'default+A2R3': { scaleUp: { sizeOnDrain: 2 }, restartAware: 3 },
  // Today's defaults with W off (the defaults before it), and with k = 2 and 4 (docs/policy.md, "W"); and a
  // shorter stabilization for every job instead, tried before W.
  'default+W0': { scaleDown: { breakEvenRestarts: 0 } },
  'default+W2': { scaleDown: { breakEvenRestarts: 2 } },
  'default+W4': { scaleDown: { breakEvenRestarts: 4 } },
  'default+stab180': { scaleDown: { stabilizationSeconds: 180 } },
  'default+stab120': { scaleDown: { stabilizationSeconds: 120 } },
  previous: PREVIOUS,
  // Today's defaults (since 2453a91 the same as default+ABCSTR4).
  default: {},
};

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

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
      const overrides = VARIANTS[v];
      if (!overrides) throw new Error(`no variant ${v}`);
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
