/**
 * What a chaos soak records, all from ground truth the doubles keep (times are virtual epoch ms): the
 * faults injected and when, every replica change with who made it, the simulated job's true load, the
 * FlinkDeployment's saved autoscaler state as it changed, the requests each sidecar made to the API server,
 * the Flink answers and which fault shaped them, and probes of when each sidecar saw a change again.
 */

/** Where a fault acts. */
export type FaultTarget = 'kube' | 'flink' | 'sidecar' | 'person';

/** One injected fault (or outside action) and the time it was active. */
export interface FaultRecord {
  /** e.g. `kube:restart`, `flink:nan`, `sidecar:kill`, `person:scale-with-hold`. */
  kind: string;
  target: FaultTarget;
  start: number;
  /** When it was cleared (= start for an instant fault such as an API server restart). */
  end: number;
  /** Parameters as injected (times, Retry-After, which sidecar, hold end, …). */
  detail?: Record<string, unknown>;
}

/** A committed change of `spec.taskManager.replicas`. */
export interface ReplicaChangeRecord {
  at: number;
  from: number | undefined;
  to: number | undefined;
  /** Who wrote it: a sidecar's index, or `person` (the harness playing someone who scales by hand). */
  by: number | 'person';
  /** How: the scale subresource, or a patch of the FlinkDeployment. */
  via: 'scale' | 'patch' | 'put';
}

/** The simulated job's true state at a moment. */
export interface TruthSample {
  at: number;
  /** The JobManager's status without faults. */
  status: string;
  /** TaskManagers running, and asked for. */
  active: number;
  requested: number;
  /** Records waiting, records/s processed, records/s arriving. */
  backlog: number;
  processed: number;
  input: number;
  /** Mean CPU load of the TaskManagers, 0..1. */
  cpu: number;
}

/** The FlinkDeployment as it changed: replicas, the state annotation parsed, the hold and paused annotations. */
export interface StateSnapshot {
  at: number;
  resourceVersion: string;
  replicas: number | undefined;
  /** The parsed `flink-autoscaler.io/state`, undefined when absent or unreadable. */
  state: SavedState | undefined;
  paused: boolean;
}

/** The parts of the saved autoscaler state the judge reads (shared/src/autoscaler/state.ts). */
export interface SavedState {
  rescale?: { time: number; from: number; to: number; settledAt?: number; incomplete?: boolean };
  hold?: { until: number; user: string; note: string };
  history: { time: number; from: number; to: number; trigger: 'policy' | 'manual'; user?: string }[];
}

/** A request a sidecar made to the API server (the Kubernetes double's record, trimmed). */
export interface KubeRequestRecord {
  at: number;
  /** Index of the sidecar (by its service account), or -1 for anyone else. */
  sidecar: number;
  verb: string;
  resource: string;
  subresource: string;
  status: number | undefined;
  /** The replica count a scale write asked for, when it was one. */
  replicas?: number;
}

/** A Flink REST request: when, the fault mode the double was in, and which sidecar asked. */
export interface FlinkAnswerRecord {
  at: number;
  fault: string;
  /** The sidecar that asked (each asks through its own proxy); undefined when not known. */
  sidecar?: number;
}

/** A change the harness made (a policy annotation's value) after a fault, to time when sidecars see changes again. */
export interface ProbeRecord {
  at: number;
  /** The value written (increasing). */
  value: number;
  /** The fault it follows. */
  fault: string;
}

/** What a sidecar's /api/v1/status showed at a moment. */
export interface StatusObservation {
  at: number;
  sidecar: number;
  /** The probed option's value it uses (undefined when it did not answer). */
  probe: number | undefined;
  /** Whether it has signals (a full window: it can decide). */
  signals: boolean;
  leader: boolean;
  lastCycleAt: number | undefined;
}

/** The policy the sidecars run with (what the judge checks scales against). */
export interface JudgedPolicy {
  minWorkers: number;
  maxWorkers: number;
  intervalSeconds: number;
  windowSeconds: number;
  cooldownSeconds: number;
  manualHoldSeconds: number;
  scaleUpBacklogTimeSeconds: number;
  scaleDownBacklogTimeSeconds: number;
  scaleUpCpu: number;
  scaleDownCpu: number;
}

export interface SoakRecords {
  seed: number;
  timeScale: number;
  sidecars: number;
  /** Virtual epoch ms of the start and the end of the run. */
  start: number;
  end: number;
  trace: string;
  policy: JudgedPolicy;
  faults: FaultRecord[];
  replicaChanges: ReplicaChangeRecord[];
  truth: TruthSample[];
  states: StateSnapshot[];
  kubeRequests: KubeRequestRecord[];
  flinkAnswers: FlinkAnswerRecord[];
  probes: ProbeRecord[];
  observations: StatusObservation[];
  /** Sidecar processes that exited on their own (not killed by the harness): index, code, last log lines. */
  crashes: { sidecar: number; at: number; code: number | null; log: string[] }[];
  /** Faults the harness failed to inject (the run is then not what it claims). */
  harnessErrors: string[];
}
