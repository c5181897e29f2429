/**
 * `flink-autoscaler backtest`: what the policy would have done to a job (or a fleet) over its recorded
 * history in Prometheus, against what the job really did.
 */
import { writeFileSync } from 'node:fs';
import type { PolicyOverrides } from '@flink-autoscaler/shared';
import type { Command } from 'commander';
import { readHistory, type JobRef } from '../backtest/history.js';
import { loadMetricNames, promString, selector, type MetricNames } from '../backtest/names.js';
import { PrometheusClient, PrometheusError, type RangeSpec } from '../backtest/prometheus.js';
import { rebuild, type Rebuilt } from '../backtest/rebuild.js';
import { replay, traceOf, type Replay } from '../backtest/replay.js';
import { SLO_BACKLOG_SECONDS } from '../simulation/figures.js';
import type { RunResult, TimelinePoint } from '../simulation/run.js';
import { renderComparisonSvg } from '../simulation/svg.js';
import { CliError } from './exit.js';
import { checkWritableFile, positiveOf, seedOf, writeFailure } from './flags.js';
import { addPolicyFlags, policyOverridesFromFlags } from './policy-flags.js';
import { progressReporter } from './progress.js';

interface BacktestOptions {
  prometheus: string;
  namespace?: string;
  job?: string;
  from: string;
  to: string;
  step: string;
  metrics?: string;
  seed: string;
  stateGib?: string;
  svg?: string;
  json?: boolean;
  fleet?: boolean;
  concurrency: string;
  [policyFlag: string]: unknown;
}

/** Epoch seconds from RFC 3339, epoch seconds, `now` or `now-<n><s|m|h|d>`. */
export function timeOf(flag: string, text: string, now = Date.now() / 1000): number {
  const relative = /^now(?:-(\d+(?:\.\d+)?)([smhd]))?$/.exec(text.trim());
  if (relative) {
    const unit = { s: 1, m: 60, h: 3600, d: 86400 }[(relative[2] ?? 's') as 's' | 'm' | 'h' | 'd'];
    return Math.floor(now - Number(relative[1] ?? 0) * unit);
  }
  if (/^\d+(\.\d+)?$/.test(text.trim())) return Math.floor(Number(text));
  const ms = Date.parse(text);
  if (!Number.isFinite(ms))
    throw new CliError(
      `${flag} must be RFC 3339, epoch seconds, now or now-<n>[smhd], got ${JSON.stringify(text)}`,
    );
  return Math.floor(ms / 1000);
}

/** Seconds from `60`, `60s`, `5m`, `1h`. */
export function durationOf(flag: string, text: string): number {
  const m = /^(\d+)([smh]?)$/.exec(text.trim());
  if (!m || Number(m[1]) <= 0)
    throw new CliError(`${flag} must be a whole number of seconds (or 5m, 1h), got ${JSON.stringify(text)}`);
  return Number(m[1]) * { '': 1, s: 1, m: 60, h: 3600 }[m[2] as '' | 's' | 'm' | 'h'];
}

export interface JobReport {
  namespace: string | undefined;
  job: string;
  from: number;
  to: number;
  step: number;
  real: Rebuilt['real'];
  policy:
    | { workerHours: number; sloAttainment: number; worstBacklogTimeSeconds: number; rescales: number }
    | undefined;
  /** Real worker-hours minus the policy's (positive: it would have saved). */
  saving: number | undefined;
  capacityPerWorker: number | undefined;
  capacityFrom: Rebuilt['capacityFrom'];
  meanInputRate: number;
  stateGiB: number | undefined;
  caveats: Rebuilt['caveats'];
}

async function backtestJob(
  client: PrometheusClient,
  ref: JobRef,
  range: RangeSpec,
  names: MetricNames,
  overrides: PolicyOverrides,
  options: { seed: number; stateGiB?: number; full: boolean; onProgress?: (done: number) => void },
): Promise<{ report: JobReport; rebuilt: Rebuilt; replayed: Replay | undefined }> {
  const history = await readHistory(client, ref, range, names, (d) => options.onProgress?.(d / 2));
  const rebuilt = rebuild(history, options.stateGiB === undefined ? {} : { stateGiB: options.stateGiB });
  const trace = traceOf(rebuilt, overrides);
  const replayed =
    trace === undefined
      ? undefined
      : replay(trace, overrides, {
          seed: options.seed,
          full: options.full,
          timelineStep: range.step,
          ...(options.onProgress && { onProgress: (d: number) => options.onProgress?.(0.5 + d / 2) }),
        });
  const f = replayed?.result.figures;
  const input = rebuilt.inputRate;
  return {
    rebuilt,
    replayed,
    report: {
      namespace: ref.namespace,
      job: ref.job,
      from: range.start,
      to: range.end,
      step: range.step,
      real: rebuilt.real,
      policy:
        f === undefined
          ? undefined
          : {
              workerHours: f.workerHours,
              sloAttainment: f.sloAttainment,
              worstBacklogTimeSeconds: f.worstBacklogTimeSeconds,
              rescales: f.rescales,
            },
      saving:
        f === undefined || !Number.isFinite(rebuilt.real.workerHours)
          ? undefined
          : rebuilt.real.workerHours - f.workerHours,
      capacityPerWorker: rebuilt.capacityPerWorker,
      capacityFrom: rebuilt.capacityFrom,
      meanInputRate: input.length === 0 ? 0 : input.reduce((a, b) => a + b, 0) / input.length,
      stateGiB: rebuilt.stateGiB,
      caveats: rebuilt.caveats,
    },
  };
}

const pct = (x: number | undefined) => (x === undefined ? 'unknown' : `${(100 * x).toFixed(1)} %`);
const hours = (x: number | undefined) => (x === undefined || !Number.isFinite(x) ? 'unknown' : x.toFixed(1));
const clock = (from: number, t: number) => new Date((from + t) * 1000).toISOString().replace('.000Z', 'Z');

function jobText(report: JobReport, replayed: Replay | undefined): string {
  const r = report;
  const lines = [
    `backtest of ${r.namespace === undefined ? '' : `${r.namespace}/`}${r.job} from ${clock(r.from, 0)} to ${clock(r.to, 0)} (step ${r.step} s)`,
    `input rate (rebuilt)    mean ${r.meanInputRate.toFixed(1)} records/s`,
    `capacity per worker     ${r.capacityPerWorker === undefined ? 'could not be rebuilt' : `${r.capacityPerWorker.toFixed(1)} records/s (estimate, from ${r.capacityFrom})`}`,
    `worker-hours            policy ${hours(r.policy?.workerHours)} · real ${hours(r.real.workerHours)}${r.saving === undefined ? '' : ` · saving ${r.saving.toFixed(1)}`}`,
    `backlog time ≤ ${SLO_BACKLOG_SECONDS} s    policy ${pct(r.policy?.sloAttainment)} · real ${pct(r.real.sloAttainment)}`,
    `rescales                policy ${r.policy?.rescales ?? 'unknown'} · real ${r.real.rescales}`,
  ];
  if (replayed) {
    lines.push('scalings the policy would have made:');
    if (replayed.scalings.length === 0) lines.push('  none');
    for (const s of replayed.scalings)
      lines.push(`  ${clock(r.from, s.t)}  ${s.from} → ${s.to}  ${s.reasons.join(', ')}`);
  }
  for (const c of r.caveats)
    lines.push(`${c.estimate ? 'estimate' : 'not rebuilt'}: ${c.figure}: ${c.message}`);
  return `${lines.join('\n')}\n`;
}

/** The job as it ran, as a run the comparison picture can draw beside the policy's. */
function realRun(rebuilt: Rebuilt, report: JobReport): RunResult {
  const timeline: TimelinePoint[] = [];
  for (let i = 0; i < rebuilt.times.length; i++) {
    const input = rebuilt.inputRate[i] as number;
    const backlog = rebuilt.backlog?.[i] ?? 0;
    timeline.push({
      t: rebuilt.times[i] as number,
      inputRate: input,
      capacity: (rebuilt.capacityPerWorker ?? 0) * (rebuilt.workers[i] as number),
      workers: rebuilt.workers[i] as number,
      backlog,
      backlogTime: backlog <= 0 ? 0 : input > 0 ? backlog / input : Number.POSITIVE_INFINITY,
      cpu: 0,
    });
  }
  return {
    policy: 'real',
    trace: report.job,
    seed: 0,
    timeline,
    figures: {
      workerHours: report.real.workerHours,
      sloAttainment: report.real.sloAttainment ?? Number.NaN,
      worstBacklogTimeSeconds: report.real.worstBacklogTimeSeconds ?? Number.NaN,
      rescales: report.real.rescales,
      maxRescalesPerChange: 0,
      recordsReadAgain: 0,
      recoverySeconds: 0,
    },
  };
}

/** Every job Prometheus has a job series of in the range (in the namespace, or everywhere). */
async function fleetJobs(
  client: PrometheusClient,
  names: MetricNames,
  namespace: string | undefined,
  range: RangeSpec,
): Promise<JobRef[]> {
  const ns = namespace === undefined ? [] : [`${names.namespaceLabel}=${promString(namespace)}`];
  const seconds = Math.max(1, range.end - range.start);
  const rows = await client.labels(
    `group by (${names.namespaceLabel}, ${names.jobLabel}) (last_over_time(${selector(names.jobSeries, ns)}[${seconds}s]))`,
    range.end,
  );
  return rows
    .filter((m) => m[names.jobLabel] !== undefined)
    .map((m) => ({
      job: m[names.jobLabel] as string,
      ...(m[names.namespaceLabel] !== undefined && { namespace: m[names.namespaceLabel] as string }),
    }));
}

/** Runs `work` on every item, at most `limit` at a time, keeping only what each returns. */
async function bounded<T, R>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<R>,
): Promise<R[]> {
  const out: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await work(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

export function registerBacktest(program: Command): void {
  const command = program
    .command('backtest')
    .summary('replay the policy over a job’s recorded history in Prometheus')
    .description(
      'Reads a Flink job’s history from Prometheus (Flink’s PrometheusReporter names; see docs/backtest.md), ' +
        'rebuilds its input rate and capacity per worker, replays the policy in virtual time, and prints each ' +
        'scaling with its reasons, worker-hours and the share of time within the backlog-time threshold against ' +
        'what the job really did. --fleet: every job in the namespace (or all), sorted by what it would save.',
    )
    .requiredOption('--prometheus <url>', 'Prometheus base URL, e.g. http://prometheus:9090')
    .option('--namespace <ns>', 'the namespace label value (default: any)')
    .option('--job <name>', 'Flink’s job name (job_name; filtered as Flink does)')
    .requiredOption('--from <time>', 'start: RFC 3339, epoch seconds, or now-<n>[smhd]')
    .option('--to <time>', 'end: as --from', 'now')
    .option('--step <duration>', 'seconds between points (or 1m, 5m)', '60')
    .option('--metrics <file>', 'JSON mapping of the series and labels to read (docs/backtest.md)')
    .option('--seed <n>', 'seed of the measurement noise in the replay', '1')
    .option('--state-gib <n>', 'the job’s state in GiB (default: from the checkpoint size series, else 1)')
    .option('--svg <file>', 'write a picture: real workers against the policy’s, input, backlog time')
    .option(
      '--json',
      'print JSON: the report and the benchmark’s row for the replay (one line per job with --fleet)',
    )
    .option('--fleet', 'every job Prometheus knows in the namespace (or all), one line each, with totals')
    .option('--concurrency <n>', 'jobs read at once with --fleet', '4');
  addPolicyFlags(command, { switches: false }).action(async (opts: BacktestOptions) => {
    const seed = seedOf(opts.seed);
    const overrides = policyOverridesFromFlags(opts);
    const stateGiB = opts.stateGib === undefined ? undefined : positiveOf('--state-gib', opts.stateGib, 1024);
    const step = durationOf('--step', opts.step);
    const range: RangeSpec = { start: timeOf('--from', opts.from), end: timeOf('--to', opts.to), step };
    if (range.end <= range.start) throw new CliError('--to must be after --from');
    if (opts.svg !== undefined) checkWritableFile('--svg', opts.svg);
    if (!opts.fleet && opts.job === undefined) throw new CliError('give --job NAME, or --fleet');
    let names: MetricNames;
    try {
      names = loadMetricNames(opts.metrics);
    } catch (error) {
      throw new CliError((error as Error).message);
    }
    const client = new PrometheusClient(opts.prometheus);
    const progress = progressReporter('backtest');
    try {
      if (!opts.fleet) {
        const ref: JobRef = {
          job: opts.job as string,
          ...(opts.namespace !== undefined && { namespace: opts.namespace }),
        };
        const { report, rebuilt, replayed } = await backtestJob(client, ref, range, names, overrides, {
          seed,
          full: true,
          ...(stateGiB !== undefined && { stateGiB }),
          onProgress: (d) => progress(`${(d * 100).toFixed(0)} %`),
        });
        if (
          report.real.workerHours === 0 &&
          rebuilt.caveats.some((c) => c.figure === 'input rate' && !c.estimate)
        )
          process.stderr.write(
            `flink-autoscaler: no series of job ${JSON.stringify(ref.job)} in the range: check --job, --namespace and --metrics\n`,
          );
        if (opts.svg && replayed) {
          try {
            writeFileSync(
              opts.svg,
              renderComparisonSvg(report.job, [realRun(rebuilt, report), replayed.result], {
                title: `Backtest of ${report.job}: the job as it ran against the policy`,
              }),
            );
          } catch (error) {
            throw writeFailure(opts.svg, error);
          }
        }
        if (opts.json) {
          process.stdout.write(
            `${JSON.stringify({
              ...report,
              scalings: replayed?.scalings ?? [],
              row: replayed?.row,
              // the rebuilt input per point (records/s over the step before it)
              inputRate: Array.from(rebuilt.inputRate, (v) => Math.round(v * 100) / 100),
            })}\n`,
          );
        } else {
          process.stdout.write(jobText(report, replayed));
          if (opts.svg && !replayed) process.stdout.write('picture: not written (no replay)\n');
        }
        return;
      }
      const limit = positiveOf('--concurrency', opts.concurrency, 64);
      const jobs = await fleetJobs(client, names, opts.namespace, range);
      if (jobs.length === 0)
        throw new CliError(
          `no job series (${names.jobSeries}) in ${opts.namespace === undefined ? 'any namespace' : `namespace ${opts.namespace}`} in the range`,
        );
      let done = 0;
      const reports = await bounded(jobs, Math.floor(limit), async (ref) => {
        const { report } = await backtestJob(client, ref, range, names, overrides, {
          seed,
          full: false,
          ...(stateGiB !== undefined && { stateGiB }),
        });
        progress(`${++done} of ${jobs.length} jobs`);
        return report;
      });
      reports.sort((a, b) => (b.saving ?? Number.NEGATIVE_INFINITY) - (a.saving ?? Number.NEGATIVE_INFINITY));
      const replayed = reports.filter((r) => r.saving !== undefined);
      const totals = {
        jobs: reports.length,
        replayed: replayed.length,
        realWorkerHours: replayed.reduce((a, r) => a + r.real.workerHours, 0),
        policyWorkerHours: replayed.reduce((a, r) => a + (r.policy?.workerHours ?? 0), 0),
        saving: replayed.reduce((a, r) => a + (r.saving ?? 0), 0),
      };
      if (opts.json) {
        for (const r of reports) process.stdout.write(`${JSON.stringify(r)}\n`);
        process.stdout.write(`${JSON.stringify({ totals })}\n`);
        return;
      }
      const lines = reports.map((r) => {
        const name = `${r.namespace === undefined ? '' : `${r.namespace}/`}${r.job}`;
        const missing = r.caveats.filter((c) => !c.estimate).map((c) => c.figure);
        return (
          `${name.padEnd(40)} saving ${r.saving === undefined ? '   n/a' : r.saving.toFixed(1).padStart(6)} worker-h · ` +
          `real ${hours(r.real.workerHours)} · policy ${hours(r.policy?.workerHours)} · within ${SLO_BACKLOG_SECONDS} s ` +
          `policy ${pct(r.policy?.sloAttainment)} real ${pct(r.real.sloAttainment)}` +
          (missing.length > 0 ? ` · not rebuilt: ${[...new Set(missing)].join(', ')}` : '')
        );
      });
      lines.push(
        `total: ${totals.jobs} jobs, ${totals.replayed} replayed: real ${totals.realWorkerHours.toFixed(1)} worker-h, ` +
          `policy ${totals.policyWorkerHours.toFixed(1)}, saving ${totals.saving.toFixed(1)}`,
      );
      process.stdout.write(`${lines.join('\n')}\n`);
    } catch (error) {
      if (error instanceof PrometheusError) throw new CliError(error.message, 1);
      throw error;
    }
  });
}
