/**
 * The control-quality benchmark: every policy on every trace, the figures with the oracle's worker-hours
 * beside them, the results as a Markdown table and JSON rows, and the evidence behind the cooldown default.
 */
import { POLICY_NAMES, policyFactory } from './controllers/index.js';
import { oursFactory } from './controllers/ours.js';
import type { Figures } from './figures.js';
import { runSimulation, type RunResult } from './run.js';
import type { Trace } from './trace.js';

/** One policy on one trace: its figures, and the oracle's worker-hours beside them. */
export interface BenchRow extends Figures {
  policy: string;
  trace: string;
  seed: number;
  oracleWorkerHours: number;
  /** workerHours / oracleWorkerHours. */
  workerHoursRatio: number;
}

export interface BenchResult {
  rows: BenchRow[];
  /** Per trace, every policy's run (for the pictures). */
  runs: Map<string, RunResult[]>;
}

export function runBench(
  traces: readonly Trace[],
  options: {
    seed?: number;
    policies?: readonly string[];
    onRun?: (trace: string, policy: string) => void;
  } = {},
): BenchResult {
  const seed = options.seed ?? 1;
  const policies = options.policies ?? POLICY_NAMES;
  const rows: BenchRow[] = [];
  const runs = new Map<string, RunResult[]>();
  for (const trace of traces) {
    const oracle = runSimulation(trace, policyFactory('oracle'), { seed });
    const results = policies.map((policy) => {
      options.onRun?.(trace.name, policy);
      return policy === 'oracle' ? oracle : runSimulation(trace, policyFactory(policy), { seed });
    });
    runs.set(trace.name, results);
    for (const result of results) {
      const f = result.figures;
      rows.push({
        policy: result.policy,
        trace: trace.name,
        seed,
        ...f,
        oracleWorkerHours: oracle.figures.workerHours,
        workerHoursRatio: f.workerHours / oracle.figures.workerHours,
      });
    }
  }
  return { rows, runs };
}

/** One row of the cooldown evidence: ours at one cooldown on one trace with one state size. */
export interface CooldownEvidence {
  trace: string;
  stateMb: number;
  cooldownSeconds: number;
  workerHoursRatio: number;
  sloAttainment: number;
  rescales: number;
}

/** Ours at several cooldowns, on every trace, at the trace's state size and a 4× larger one. */
export function cooldownEvidence(
  traces: readonly Trace[],
  cooldowns: readonly number[] = [60, 180, 300],
  seed = 1,
): CooldownEvidence[] {
  const out: CooldownEvidence[] = [];
  for (const base of traces) {
    for (const stateMb of [base.job.stateMb, base.job.stateMb * 4]) {
      const trace = { ...base, job: { ...base.job, stateMb } };
      const oracle = runSimulation(trace, policyFactory('oracle'), { seed }).figures.workerHours;
      for (const cooldownSeconds of cooldowns) {
        const f = runSimulation(trace, oursFactory({ cooldownSeconds }), { seed }).figures;
        out.push({
          trace: base.name,
          stateMb,
          cooldownSeconds,
          workerHoursRatio: f.workerHours / oracle,
          sloAttainment: f.sloAttainment,
          rescales: f.rescales,
        });
      }
    }
  }
  return out;
}

const pct = (x: number) => `${(100 * x).toFixed(2)} %`;
const secs = (x: number) => (Number.isFinite(x) ? `${x.toFixed(0)} s` : '∞');

/** The results as a Markdown table, one row per policy and trace. */
export function resultsTable(rows: readonly BenchRow[]): string {
  const head =
    '| trace | policy | worker-hours | × oracle | backlog time ≤ 120 s | worst backlog time | rescales | most per change | records read again | recovery |\n' +
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n';
  return (
    head +
    rows
      .map(
        (r) =>
          `| ${r.trace} | ${r.policy} | ${r.workerHours.toFixed(1)} | ${r.workerHoursRatio.toFixed(2)} | ${pct(r.sloAttainment)} | ` +
          `${secs(r.worstBacklogTimeSeconds)} | ${r.rescales} | ${r.maxRescalesPerChange} | ${(r.recordsReadAgain / 1e6).toFixed(1)} M | ${secs(r.recoverySeconds)} |`,
      )
      .join('\n') +
    '\n'
  );
}

/** Policies across, traces down: worker-hours × oracle, share within 120 s, rescales. */
export function summaryTable(rows: readonly BenchRow[]): string {
  const policies = [...new Set(rows.map((r) => r.policy))];
  const traces = [...new Set(rows.map((r) => r.trace))];
  let out = `| trace | ${policies.join(' | ')} |\n| --- |${policies.map(() => ' --- |').join('')}\n`;
  for (const trace of traces) {
    const cells = policies.map((policy) => {
      const r = rows.find((x) => x.trace === trace && x.policy === policy);
      return r
        ? `${r.workerHoursRatio.toFixed(2)}× · ${(100 * r.sloAttainment).toFixed(1)} % · ${r.rescales}`
        : '';
    });
    out += `| ${trace} | ${cells.join(' | ')} |\n`;
  }
  return out;
}

export function cooldownTable(rows: readonly CooldownEvidence[]): string {
  const cooldowns = [...new Set(rows.map((r) => r.cooldownSeconds))];
  const keys = [...new Set(rows.map((r) => `${r.trace}|${r.stateMb}`))];
  let out = `| trace | state | ${cooldowns.map((c) => `cooldown ${c} s`).join(' | ')} |\n| --- | ---: |${cooldowns.map(() => ' --- |').join('')}\n`;
  for (const key of keys) {
    const [trace, stateMb] = key.split('|') as [string, string];
    const cells = cooldowns.map((c) => {
      const r = rows.find(
        (x) => x.trace === trace && String(x.stateMb) === stateMb && x.cooldownSeconds === c,
      );
      return r ? `${r.rescales} rescales, ${r.workerHoursRatio.toFixed(2)}×, ${pct(r.sloAttainment)}` : '';
    });
    out += `| ${trace} | ${(Number(stateMb) / 1024).toFixed(0)} GiB | ${cells.join(' | ')} |\n`;
  }
  return out;
}
