/**
 * The policy's options: the one table from which the config type's defaults, validation, docs, CLI flags,
 * FlinkDeployment annotations and Helm chart values are all derived.
 */

export interface Range {
  /** Lowest allowed value. */
  readonly min: number;
  /** Whether `min` itself is excluded. */
  readonly minExclusive?: boolean;
  /** Highest allowed value (omit for no upper bound). */
  readonly max?: number;
  /** Whether `max` itself is excluded. */
  readonly maxExclusive?: boolean;
}

export interface OptionSpec {
  /** Dotted path in the nested config, as policy.md names it, e.g. `scaleUp.cpu`. */
  readonly path: string;
  /** `integer` options reject fractions. */
  readonly kind: 'number' | 'integer';
  /** The default; `undefined` only for options that are unknown until the job tells (optional). */
  readonly default: number | undefined;
  readonly range: Range;
  /** Unit shown in docs, e.g. `s`, `fraction`, `workers`. */
  readonly unit: string;
  /** One line of documentation. */
  readonly doc: string;
}

export const OPTION_SPECS = [
  {
    path: 'scaleUp.backlogTimeSeconds',
    kind: 'number',
    default: 120,
    range: { min: 0, minExclusive: true },
    unit: 's',
    doc: 'Scale up when the backlog would take longer than this to drain at the current throughput.',
  },
  {
    path: 'scaleUp.cpu',
    kind: 'number',
    default: 0.9,
    range: { min: 0, minExclusive: true, max: 1 },
    unit: 'fraction',
    doc: 'Scale up when mean TaskManager CPU load is above this.',
  },
  {
    path: 'scaleUp.drainSeconds',
    kind: 'number',
    default: 60,
    range: { min: 0, minExclusive: true },
    unit: 's',
    doc: 'On scale-up, add enough workers to drain the current backlog within this time.',
  },
  {
    path: 'scaleDown.backlogTimeSeconds',
    kind: 'number',
    default: 10,
    range: { min: 0 },
    unit: 's',
    doc: 'Scale down only while the backlog time is below this.',
  },
  {
    path: 'scaleDown.cpu',
    kind: 'number',
    default: 0.7,
    range: { min: 0, max: 1, maxExclusive: true },
    unit: 'fraction',
    doc: 'Scale down only while mean TaskManager CPU load is below this.',
  },
  {
    path: 'scaleDown.stabilizationSeconds',
    kind: 'number',
    default: 300,
    range: { min: 0 },
    unit: 's',
    doc: 'A scale-down must be wanted this long; it then goes to the highest count wanted in that time.',
  },
  {
    path: 'targetCpu',
    kind: 'number',
    default: 0.8,
    range: { min: 0, minExclusive: true, max: 1 },
    unit: 'fraction',
    doc: 'CPU load a CPU-sized job should land at; must lie between scaleDown.cpu and scaleUp.cpu.',
  },
  {
    path: 'minWorkers',
    kind: 'integer',
    default: 1,
    range: { min: 1 },
    unit: 'workers',
    doc: 'Never run fewer TaskManagers than this.',
  },
  {
    path: 'maxWorkers',
    kind: 'integer',
    default: 100,
    range: { min: 1 },
    unit: 'workers',
    doc: 'Never run more TaskManagers than this.',
  },
  {
    path: 'maxParallelism',
    kind: 'integer',
    default: undefined,
    range: { min: 1 },
    unit: 'slots',
    doc: "The job's max parallelism; workers beyond maxParallelism / slotsPerWorker would idle. Read from Flink when unset.",
  },
  {
    path: 'slotsPerWorker',
    kind: 'integer',
    default: 1,
    range: { min: 1 },
    unit: 'slots',
    doc: 'Task slots per TaskManager (taskmanager.numberOfTaskSlots).',
  },
  {
    path: 'intervalSeconds',
    kind: 'number',
    default: 15,
    range: { min: 1 },
    unit: 's',
    doc: 'How often the sidecar samples Flink and evaluates the policy.',
  },
  {
    path: 'windowSeconds',
    kind: 'number',
    default: 120,
    range: { min: 1 },
    unit: 's',
    doc: 'Signals are computed over this much history of a RUNNING job; no decision before it is full.',
  },
  {
    path: 'cooldownSeconds',
    kind: 'number',
    // policy.md says 60; 300 after the benchmark (test/bench/results.md, "Evidence for the cooldown default"):
    // the catch-up after a restart saturates CPU, and a shorter cooldown lets it trigger a needless scale-up.
    default: 300,
    range: { min: 0 },
    unit: 's',
    doc: 'No scaling for this long after the job is RUNNING again after a rescale.',
  },
  {
    path: 'manualHoldSeconds',
    kind: 'integer',
    // Not in policy.md: issue 11 (architecture.md, "Who may scale"). A replica change the sidecar did not make
    // (the gateway, kubectl scale, GitOps) and that no flink-autoscaler.io/hold annotation names holds the policy.
    default: 3600,
    range: { min: 0 },
    unit: 's',
    doc: 'After a replica change the sidecar did not make (kubectl scale, GitOps) and no hold annotation names, the policy holds this long.',
  },
  {
    path: 'maxUnknownSplitShare',
    kind: 'number',
    // Not in policy.md: issue 12. Beam reports -1 for a split whose backlog it does not know; those splits are
    // estimated as the mean of the known ones, and a sample with more unknown splits than this is not trusted.
    default: 0.5,
    range: { min: 0, max: 1 },
    unit: 'fraction',
    doc: 'Largest share of per-split backlog gauges that may report -1 (unknown, estimated from the known splits) in a trusted sample.',
  },
  // Issue 14: options of the stateful autoscaler beyond policy.md (docs/policy.md, "Options beyond policy.md",
  // with the benchmark's evidence for each default). 0 is policy.md's behaviour (the `seed` profile).
  {
    path: 'partitionBound',
    kind: 'integer',
    // On: the benchmark's partition-capped 3.13x -> 1.00x the reference, every other run unchanged.
    default: 1,
    range: { min: 0, max: 1 },
    unit: 'switch',
    doc: "1: never more workers than the source's partitions (or Beam splits) fill, ceil(partitions / slotsPerWorker); 0: policy.md.",
  },
  {
    path: 'scaleUp.sizeOnDrain',
    kind: 'integer',
    default: 1,
    range: { min: 0, max: 2 },
    unit: 'mode',
    doc: '1: while the backlog shrinks, the CPU above what keeping up takes (U·R/T) is the catch-up: a scale-up only for keep-up CPU above scaleUp.cpu or a backlog not gone within scaleUp.backlogTimeSeconds; 2: as 1, but a backlog counts only when its backlog time gets under scaleUp.backlogTimeSeconds sooner through the rescale (its restart included) than at the current size; 0: policy.md.',
  },
  {
    path: 'scaleUp.duringCooldown',
    kind: 'integer',
    default: 1,
    range: { min: 0, max: 1 },
    unit: 'switch',
    doc: '1: a scale-up is not held by the cooldown when a full window at the new size shows the backlog time above scaleUp.backlogTimeSeconds and the backlog still growing (the job falls further behind at that size); 0: policy.md.',
  },
  {
    path: 'scaleUp.fastTrigger',
    kind: 'integer',
    // Off: per run it trades worker-hours for time within 120 s (flash 8 GiB 97.6 % -> 98.9 %, square 8 GiB
    // 97.9 % -> 99.0 %, efficiency 1 GiB 1.05x -> 1.00x) but has more worker-hours in some runs (docs/policy.md, "F").
    default: 0,
    range: { min: 0, max: 1 },
    unit: 'switch',
    doc: "1: when the last 3 samples all show CPU above scaleUp.cpu, the backlog growing and the input rate 10 % above the window's (a pause stalls a job without raising its input), the decision is made on those samples instead of the whole window: a step is met about 30 s sooner and sized on the input after it; 0: policy.md (the window).",
  },
  {
    path: 'scaleDown.breakEvenRestarts',
    kind: 'integer',
    // 3: at 1 GiB flash 1.13x -> 1.07x, sawtooth 1.11x -> 1.04x, square 1.16x -> 1.11x the reference, no run of
    // the benchmark with more worker-hours or less time within 120 s (2 loses 2 s in a week on one run;
    // docs/policy.md, "W").
    default: 3,
    range: { min: 0, max: 10 },
    unit: 'restarts',
    doc: 'k ≥ 1: a scale-down from n to m workers waits only until what it saves, n − m workers a second, pays for k restarts of all n (a wrong one costs at least two, down and back up): k·restart·n/(n − m) seconds, at least a window and at most scaleDown.stabilizationSeconds, m being the highest wish within the wait (the shortest wait that has paid for its own m); 0: policy.md (always scaleDown.stabilizationSeconds).',
  },
  {
    path: 'scaleDown.cleanWindows',
    kind: 'integer',
    default: 1,
    range: { min: 0, max: 1 },
    unit: 'switch',
    doc: '1: the scale-down stabilization takes the highest count only from windows wholly inside its period; 0: policy.md.',
  },
  {
    path: 'scaleDown.settleAfterCatchUp',
    kind: 'integer',
    default: 1,
    range: { min: 0, max: 2 },
    unit: 'mode',
    doc: 'Once the backlog a scale-up was sized for has drained: 1 scales down once to the target CPU, even inside the band, if the workers saved over the stabilization period outweigh all workers through the restart (else not at all); 2: as 1, but when they do not it waits until the workers saved over the time the drained load has held outweigh them; 0: policy.md.',
  },
  {
    path: 'restartAware',
    kind: 'integer',
    default: 4,
    range: { min: 0, max: 4 },
    unit: 'mode',
    doc: '1: no scale-down whose saving over the stabilization period is under its restart cost; 2: also size scale-ups to drain what arrives while the job restarts; 3: only that sizing, and only for a scale-up sized for a backlog; 4: as 3, and no scale-down (a settle too) to fewer workers than, at full CPU, keep up and drain within the cooldown what arrives while it restarts; 0: policy.md.',
  },
  {
    path: 'restartSeconds',
    kind: 'number',
    default: 60,
    range: { min: 0 },
    unit: 's',
    doc: 'The downtime of a rescale assumed by restartAware until one has been measured (then the latest measured one).',
  },
  {
    path: 'followTrend',
    kind: 'integer',
    default: 1,
    range: { min: 0, max: 1 },
    unit: 'switch',
    doc: '1: while the input rate rises over two windows in a row, no scale-up, settle or scale-down leaves fewer workers than keep CPU at most scaleUp.cpu at the input expected once a later rescale could land (restart, cooldown, restart); 0: policy.md.',
  },
  {
    path: 'effectiveness',
    kind: 'integer',
    // 2: week at 8 GiB 96.0 % -> 99.5 % of the time within 120 s (policy.md's block fired as bursts ended),
    // every other run unchanged (docs/policy.md).
    default: 2,
    range: { min: 0, max: 2 },
    unit: 'mode',
    doc: '0: scale-ups never blocked; 1: policy.md (a scale-up gaining under 10 % blocks the next until the input rate rises 10 %); 2: judged only while the job is still behind, released only by a rise held a whole window.',
  },
] as const satisfies readonly OptionSpec[];

export type OptionPath = (typeof OPTION_SPECS)[number]['path'];

/** Finds an option by its dotted path. */
export function optionSpec(path: string): OptionSpec | undefined {
  return OPTION_SPECS.find((spec) => spec.path === path);
}

/** Words for an option's allowed values, e.g. `a number greater than 0 and at most 1`. */
export function describeAllowed(spec: OptionSpec): string {
  const { min, minExclusive, max, maxExclusive } = spec.range;
  const what = spec.kind === 'integer' ? 'a whole number' : 'a number';
  const low = `${minExclusive ? 'greater than' : 'at least'} ${min}`;
  if (max === undefined) return `${what} ${low}`;
  return `${what} ${low} and ${maxExclusive ? 'less than' : 'at most'} ${max}`;
}

/** Whether a value is allowed for an option (type and range). */
export function isAllowed(spec: OptionSpec, value: unknown): value is number {
  if (typeof value !== 'number' || !Number.isFinite(value)) return false;
  if (spec.kind === 'integer' && !Number.isInteger(value)) return false;
  const { min, minExclusive, max, maxExclusive } = spec.range;
  if (minExclusive ? value <= min : value < min) return false;
  if (max !== undefined && (maxExclusive ? value >= max : value > max)) return false;
  return true;
}
