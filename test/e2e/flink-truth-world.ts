/**
 * The world of the flink-truth tests (issue 12): the real `flink-autoscaler sidecar` process, accelerated by
 * test/chaos/accelerate.ts (its clock and timers run `scale` times faster), against the Flink REST double and
 * the Kubernetes API double in this process, with the double's virtual time kept on the sidecar's clock. The
 * tests compare what the sidecar shows (/api/v1/status, /metrics) with the double's truth at the metric fetch
 * the sidecar read.
 *
 * FLINK_TRUTH_SIDECAR names another build's `sidecar/dist/cli/main.js` to run instead of this tree's (to run
 * the tests against an older commit).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { stripTypeScriptTypes } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ENABLED_LABEL } from '../../sidecar/src/kube/deployment.js';
import { SIDECAR_NODE_OPTIONS } from '../../sidecar/src/injector/settings.js';
import {
  startFlinkDouble,
  type FetchTruth,
  type FlinkDouble,
  type FlinkDoubleOptions,
} from '../doubles/flink/index.js';
import { flinkDeployment, serviceAccount, startKubeDouble, type KubeDouble } from '../doubles/kube/index.js';
import { sidecarRules } from '../fixtures/rbac.js';
import { freePort, until } from '../fixtures/wait.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const NS = 'streaming';
export const NAME = 'clickstream';
const SA = serviceAccount(NS, 'flink', 'sidecar-token');

/** One source's signals as the status lists them (contract 1 adds splits and estimatedShare). */
export interface StatusSource {
  id: string;
  unit: string;
  throughput: number;
  backlog: number;
  backlogGrowth: number;
  backlogTime: number;
  samples: number;
  splits?: { found: number; expected: number; unknown: number };
  estimatedShare?: number;
}

/** The parts of /api/v1/status these tests read. */
export interface Status {
  mode: string;
  jobState: string | null;
  lastCycleAt: string | null;
  signals: {
    time: number;
    workers: number;
    cpu: number;
    source: StatusSource;
    sources: StatusSource[];
  } | null;
  decision: { action: string; desiredWorkers?: number; reasons?: string[] } | null;
  gates: string[];
  action: { action: string; targetWorkers: number } | null;
  droppedSamples: Record<string, number>;
  /** What the collector last read of each source (splits, estimated share), when the sidecar lists it. */
  sources?: SourceReading[];
  [key: string]: unknown;
}

/** The status's `sources[]` entry: the latest reading of a source's splits (contract 1). */
export interface SourceReading {
  id: string;
  splits: { found: number; expected: number; unknown: number } | null;
  estimatedShare: number;
  dropped: string | null;
  /** ISO time of the reading. */
  time: string;
}

export interface TruthWorldOptions {
  /** The double's options; an `input` function gets virtual seconds since the sidecar answered. */
  flink: FlinkDoubleOptions;
  workers: number;
  /** Labelled enabled (active mode); advisor mode otherwise. */
  active: boolean;
  /** Virtual seconds per wall second (default 30). */
  scale?: number;
  /** More sidecar flags. */
  args?: string[];
}

export interface TruthWorld {
  flink: FlinkDouble;
  kube: KubeDouble;
  url: string;
  scale: number;
  /** Every distinct evaluation the status showed (by lastCycleAt), oldest first. */
  seen: Status[];
  log: string[];
  /** The double's virtual second at which the sidecar answered and the input started. */
  startedAt: number;
  /** Virtual epoch ms now (the sidecar's clock). */
  now(): number;
  status(): Promise<Status>;
  metricsText(): Promise<string>;
  /** Waits until `virtualSeconds` of virtual time have passed. */
  wait(virtualSeconds: number): Promise<void>;
  /** Waits (at most `virtualSeconds`) until a seen evaluation passes the test; returns it. */
  untilSeen(what: string, virtualSeconds: number, test: (s: Status) => boolean): Promise<Status>;
  /** As `kubectl scale`: the FlinkDeployment's replicas (the double's operator restarts the job on them). */
  scaleTo(n: number): void;
  /** The double's truth at the metric fetch nearest to a virtual epoch ms. */
  truthAt(epochMs: number): FetchTruth;
  close(): Promise<void>;
}

export async function startTruthWorld(options: TruthWorldOptions): Promise<TruthWorld> {
  const scale = options.scale ?? 30;
  const origin = Date.now();
  const now = () => Math.floor(origin + (Date.now() - origin) * scale);
  // The job gets no input until the sidecar answers (its start-up takes seconds, minutes of virtual time).
  const started = { at: undefined as number | undefined };
  const given = options.flink.input ?? 0;
  const input = (t: number) =>
    started.at === undefined ? 0 : typeof given === 'number' ? given : given(t - started.at);
  const flink = await startFlinkDouble({
    clusterId: NAME,
    namespace: NS,
    slotsPerTaskManager: 1,
    startEpochMs: origin,
    ...options.flink,
    input,
    jobShape: { initialWorkers: options.workers, capacityPerWorker: 1000, ...options.flink.jobShape },
  });
  // The double's virtual time follows the sidecar's clock.
  const ticker = setInterval(() => {
    const target = (now() - origin) / 1000;
    if (target > flink.time) flink.advance(target - flink.time);
  }, 10);
  const kube = await startKubeDouble({
    namespace: NS,
    users: [SA],
    rules: [...sidecarRules(NS, SA.username)],
  });
  kube.flinkDeployments.put(
    flinkDeployment({
      name: NAME,
      namespace: NS,
      replicas: options.workers,
      slotsPerTaskManager: 1,
      labels: options.active ? { [ENABLED_LABEL]: 'true' } : {},
    }),
  );
  kube.flinkDeployments.reconcile(NS, NAME);
  // The operator: a new replica count restarts the job with that many TaskManagers, then reconciles.
  kube.onReplicasChange((change) => {
    if (change.to !== undefined) flink.setReplicas(change.to);
    queueMicrotask(() => kube.flinkDeployments.reconcile(NS, NAME));
  });

  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  // The sidecar runs with --jitless (no WebAssembly, so Node cannot strip types itself): give it plain JS.
  const preload = join(mkdtempSync(join(tmpdir(), 'flink-truth-')), 'accelerate.mjs');
  writeFileSync(preload, stripTypeScriptTypes(readFileSync(join(root, 'test/chaos/accelerate.ts'), 'utf8')));
  const main = process.env.FLINK_TRUTH_SIDECAR ?? join(root, 'sidecar/dist/cli/main.js');
  const child: ChildProcess = spawn(
    process.execPath,
    [
      ...SIDECAR_NODE_OPTIONS.split(' ').filter((f) => f !== ''),
      '--import',
      preload,
      main,
      'sidecar',
      ...['--flink-url', flink.url, '--namespace', NS, '--name', NAME],
      ...['--kubeconfig', kube.kubeconfig({ token: SA.token }, { namespace: NS })],
      ...['--listen', `127.0.0.1:${port}`, '--no-leader-election'],
      ...(options.args ?? []),
    ],
    {
      stdio: ['ignore', 'ignore', 'pipe'],
      env: {
        ...process.env,
        CHAOS_TIME_SCALE: String(scale),
        CHAOS_TIME_ORIGIN: String(origin),
        POD_NAME: `${NAME}-jobmanager-0`,
      },
    },
  );
  const log: string[] = [];
  let partial = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    partial += chunk.toString('utf8');
    const lines = partial.split('\n');
    partial = lines.pop() ?? '';
    log.push(...lines);
  });

  const status = async () => (await (await fetch(`${url}/api/v1/status`)).json()) as Status;
  const seen: Status[] = [];
  let polling = true;
  const poll = (async () => {
    while (polling) {
      try {
        const s = await status();
        if (s.lastCycleAt !== null && s.lastCycleAt !== seen.at(-1)?.lastCycleAt) seen.push(s);
      } catch {
        // not up yet, or closing
      }
      await new Promise((r) => setTimeout(r, 40));
    }
  })();

  try {
    await until('the sidecar answers', 30, async () =>
      (await fetch(`${url}/readyz`)).ok ? true : undefined,
    );
  } catch (error) {
    throw new Error(`${String(error)}\n${log.slice(-20).join('\n')}`, { cause: error });
  }
  started.at = flink.time;

  const world: TruthWorld = {
    flink,
    kube,
    url,
    scale,
    seen,
    log,
    startedAt: started.at,
    now,
    status,
    metricsText: async () => (await fetch(`${url}/metrics`)).text(),
    wait: (virtualSeconds) => new Promise((r) => setTimeout(r, (virtualSeconds * 1000) / scale)),
    async untilSeen(what, virtualSeconds, test) {
      const wallSeconds = virtualSeconds / scale + 5;
      return until(what, wallSeconds, async () => seen.find(test));
    },
    scaleTo(n) {
      const fd = kube.flinkDeployments.get(NS, NAME);
      if (fd === undefined) throw new Error('no FlinkDeployment');
      const taskManager = fd.spec.taskManager as Record<string, unknown>;
      kube.flinkDeployments.put({
        ...fd,
        spec: { ...fd.spec, taskManager: { ...taskManager, replicas: n } },
        status: undefined,
      });
    },
    truthAt(epochMs) {
      let best: FetchTruth | undefined;
      for (const f of flink.fetches) {
        if (best === undefined || Math.abs(f.epochMs - epochMs) < Math.abs(best.epochMs - epochMs)) best = f;
      }
      if (best === undefined) throw new Error('the double has not fetched metrics yet');
      return best;
    },
    async close() {
      polling = false;
      await poll;
      clearInterval(ticker);
      child.kill('SIGTERM');
      await flink.close();
      await kube.close();
    },
  };
  return world;
}

/** The status's entry for a source vertex (the neediest one when only one). */
export function sourceOf(status: Status, id?: string): StatusSource | undefined {
  const sources = status.signals?.sources ?? [];
  return id === undefined ? (sources[0] ?? status.signals?.source) : sources.find((s) => s.id === id);
}

/**
 * The split counts and estimated share the status gives for the sample behind its signals: the top-level
 * `sources[]` reading taken with that sample, else (a status that lists them with the signals) the signals'
 * own fields; undefined when the status has neither for that sample.
 */
export function readingOf(status: Status): Pick<StatusSource, 'splits' | 'estimatedShare'> | undefined {
  const signals = status.signals;
  if (signals === null) return undefined;
  const source = sourceOf(status);
  if (status.sources !== undefined) {
    const at = new Date(signals.time).toISOString();
    const reading = status.sources.find((r) => r.id === source?.id && r.time === at);
    if (reading === undefined) return undefined;
    return {
      ...(reading.splits === null ? {} : { splits: reading.splits }),
      estimatedShare: reading.estimatedShare,
    };
  }
  return source === undefined
    ? undefined
    : {
        ...(source.splits === undefined ? {} : { splits: source.splits }),
        ...(source.estimatedShare === undefined ? {} : { estimatedShare: source.estimatedShare }),
      };
}

/** A series' value in Prometheus text (the first that matches name and labels), or undefined. */
export function seriesValue(
  text: string,
  name: string,
  labels: Record<string, string> = {},
): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const rest = line.slice(name.length);
    if (!(rest.startsWith('{') || rest.startsWith(' '))) continue;
    if (!Object.entries(labels).every(([k, v]) => rest.includes(`${k}="${v}"`))) continue;
    const value = Number(line.slice(line.lastIndexOf(' ') + 1));
    if (Number.isFinite(value)) return value;
  }
  return undefined;
}
