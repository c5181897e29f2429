/**
 * `npm run bench:chaos`: the chaos soak (test/chaos): real sidecar processes for 6 hours of job time (60×
 * accelerated: about 6 minutes and a half of wall time) against the Flink and Kubernetes doubles with faults
 * from the whole catalogue, seeded. Prints the table, merges the figures into test/bench/chaos.json and
 * writes test/bench/chaos.md. Environment: CHAOS_SEED, CHAOS_HOURS, CHAOS_TIME_SCALE, CHAOS_SIDECARS,
 * CHAOS_TRACE, CHAOS_TRACE_OFFSET_HOURS; CHAOS_RECORDS=FILE keeps the raw records (CHAOS_FROM_RECORDS=FILE judges them again); CHAOS_SIDECAR_LOG=warn relays
 * the sidecars' warnings and errors. Exits 1 when a zero target (wrong, double, lost) is missed.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { judge } from '../chaos/judge.js';
import { figures, mergeFigures, table } from '../chaos/report.js';
import type { SoakRecords } from '../chaos/records.js';
import { runSoakProcess, SOAK_DEFAULTS } from '../chaos/run-soak.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const env = process.env;
const options = {
  ...SOAK_DEFAULTS,
  seed: Number(env.CHAOS_SEED ?? SOAK_DEFAULTS.seed),
  hours: Number(env.CHAOS_HOURS ?? SOAK_DEFAULTS.hours),
  timeScale: Number(env.CHAOS_TIME_SCALE ?? SOAK_DEFAULTS.timeScale),
  sidecars: Number(env.CHAOS_SIDECARS ?? SOAK_DEFAULTS.sidecars),
  trace: env.CHAOS_TRACE ?? SOAK_DEFAULTS.trace,
  traceOffsetHours: Number(env.CHAOS_TRACE_OFFSET_HOURS ?? SOAK_DEFAULTS.traceOffsetHours),
};
const started = Date.now();
// CHAOS_FROM_RECORDS=FILE judges the records of an earlier run (kept with CHAOS_RECORDS) again, without running.
const records = env.CHAOS_FROM_RECORDS
  ? (JSON.parse(readFileSync(env.CHAOS_FROM_RECORDS, 'utf8')) as SoakRecords)
  : await runSoakProcess(options);
if (env.CHAOS_RECORDS) writeFileSync(env.CHAOS_RECORDS, JSON.stringify(records));
const verdict = judge(records);
const command = `${[
  ['CHAOS_SEED', options.seed, SOAK_DEFAULTS.seed],
  ['CHAOS_HOURS', options.hours, SOAK_DEFAULTS.hours],
  ['CHAOS_TIME_SCALE', options.timeScale, SOAK_DEFAULTS.timeScale],
  ['CHAOS_SIDECARS', options.sidecars, SOAK_DEFAULTS.sidecars],
  ['CHAOS_TRACE', options.trace, SOAK_DEFAULTS.trace],
  ['CHAOS_TRACE_OFFSET_HOURS', options.traceOffsetHours, SOAK_DEFAULTS.traceOffsetHours],
]
  .filter(([, value, standard]) => value !== standard)
  .map(([name, value]) => `${String(name)}=${String(value)} `)
  .join('')}npm run bench:chaos`;
const own = figures(records, verdict);
await mergeFigures(join(root, 'test/bench/chaos.json'), own);
const text = table(records, verdict, command);
writeFileSync(join(root, 'test/bench/chaos.md'), text);
process.stdout.write(text);
process.stderr.write(
  `${JSON.stringify({ source: 'bench-chaos', msg: 'done', wallSeconds: Math.round((Date.now() - started) / 1000), ...verdict.counts })}\n`,
);
if (verdict.wrong.length + verdict.double.length + verdict.lost.length > 0) process.exitCode = 1;
