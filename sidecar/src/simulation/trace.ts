/**
 * Input-rate traces: R(t) in records/s as points joined by straight lines, plus backlog that arrives at
 * once (a rollout surge), the job they run on, and the instants where the load changes. Loaded from the
 * JSON files in sidecar/traces/.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';

export const jobShapeSchema = z.strictObject({
  /** Records/s one worker processes at full CPU (before efficiency loss and skew). */
  capacityPerWorker: z.number().positive(),
  /** Source partitions: workers beyond this add nothing at the source. */
  partitions: z.int().positive().optional(),
  /** Loss of per-worker efficiency as the job widens: capacity n·c / (1 + loss·(n − 1)). */
  efficiencyLoss: z.number().min(0).max(1).default(0),
  /** Data skew: the hottest subtask gets (1 + skew) times its share, and limits the job. */
  skew: z.number().min(0).max(10).default(0),
  /** State size in MB: a restart restores it. */
  stateMb: z.number().min(0).default(1024),
  /** Workers at the start. */
  initialWorkers: z.int().positive(),
  minWorkers: z.int().positive().default(1),
  maxWorkers: z.int().positive().default(100),
});
export type JobShape = z.infer<typeof jobShapeSchema>;

export const traceSchema = z.strictObject({
  name: z.string().regex(/^[a-z0-9-]+$/),
  /** One line saying what the trace is. */
  description: z.string().min(10),
  durationSeconds: z.int().positive(),
  /** [second, records/s], sorted by second; the rate is linear between points and flat after the last. */
  points: z.array(z.tuple([z.number().min(0), z.number().min(0)])).min(1),
  /** Backlog that arrives at once: [second, records]. */
  surges: z.array(z.tuple([z.number().min(0), z.number().min(0)])).default([]),
  /** Seconds at which the load changes (for rescales per change and time to recover). */
  changes: z.array(z.number().min(0)).default([]),
  job: jobShapeSchema,
});
export type Trace = z.infer<typeof traceSchema>;

/** R(t): the input rate at second t (a binary search for the segment holding t). */
export function rateAt(trace: Pick<Trace, 'points'>, t: number): number {
  const points = trace.points;
  const first = points[0] as [number, number];
  if (t <= first[0]) return first[1];
  // The first point at or after t: the segment ends there.
  let lo = 1;
  let hi = points.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((points[mid] as [number, number])[0] < t) lo = mid + 1;
    else hi = mid;
  }
  for (let i = lo; i < points.length; i++) {
    const [t1, r1] = points[i] as [number, number];
    if (t <= t1) {
      const [t0, r0] = points[i - 1] as [number, number];
      return t1 === t0 ? r1 : r0 + ((r1 - r0) * (t - t0)) / (t1 - t0);
    }
  }
  return (points.at(-1) as [number, number])[1];
}

/** R(t) for every whole second of the trace, computed once (the simulator asks for each second). */
export function rateTable(trace: Pick<Trace, 'points' | 'durationSeconds'>): Float64Array {
  const table = new Float64Array(trace.durationSeconds);
  for (let t = 0; t < trace.durationSeconds; t++) table[t] = rateAt(trace, t);
  return table;
}

export const TRACES_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../traces');

export function parseTrace(json: unknown, source = 'trace'): Trace {
  const parsed = traceSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`${source}: ${issue?.path.join('.') || '(root)'}: ${issue?.message}`);
  }
  return parsed.data;
}

export function loadTrace(name: string, dir = TRACES_DIR): Trace {
  if (!/^[a-z0-9-]+$/.test(name)) throw new Error(`trace name ${JSON.stringify(name)} is not a trace name`);
  const file = join(dir, `${name}.json`);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new Error(`no trace ${JSON.stringify(name)} (known: ${traceNames(dir).join(', ')})`);
  }
  return parseTrace(JSON.parse(text), file);
}

export function traceNames(dir = TRACES_DIR): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .map((f) => f.slice(0, -'.json'.length))
    .sort();
}
