/**
 * One chaos soak, run inside a process accelerated by accelerate.ts (so the doubles' own timers, the
 * schedule and the sidecars agree on virtual time): the Flink double plays a trace, the Kubernetes double
 * plays the API server and the operator (a new replica count restarts the simulated job), real sidecar
 * processes (`node sidecar/dist/cli/main.js sidecar`, the same preload) act on a FlinkDeployment labelled
 * enabled, and the seeded schedule injects faults. Returns the records the judge reads (records.ts).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { stripTypeScriptTypes } from 'node:module';
import { tmpdir } from 'node:os';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_CONFIG } from '@flink-autoscaler/shared';
import { ENABLED_LABEL, STATE_ANNOTATION } from '../../sidecar/src/kube/deployment.js';
import { HOLD_ANNOTATION, PAUSED_ANNOTATION, serializeHold } from '../../sidecar/src/kube/manual-hold.js';
import { SIDECAR_NODE_OPTIONS } from '../../sidecar/src/injector/settings.js';
import { loadTrace, rateAt } from '../../sidecar/src/simulation/trace.js';
import { startFlinkDouble, type FlinkDouble } from '../doubles/flink/index.js';
import type { FaultMode } from '../doubles/flink/options.js';
import {
  flinkDeployment,
  serviceAccount,
  startKubeDouble,
  type Fault,
  type FlinkDeployment,
  type KubeDouble,
} from '../doubles/kube/index.js';
import { sidecarRules } from '../fixtures/rbac.js';
import { startFlinkProxy } from './flink-proxy.js';
import type {
  FaultRecord,
  JudgedPolicy,
  KubeRequestRecord,
  ReplicaChangeRecord,
  SavedState,
  SoakRecords,
  StateSnapshot,
  StatusObservation,
  TruthSample,
} from './records.js';
import { schedule, seededRandom, type PlannedFault } from './schedule.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const NS = 'jobs';
const NAME = 'clickstream';
/** The policy option the harness changes after a fault to time when each sidecar sees changes again. */
const PROBE_ANNOTATION = 'flink-autoscaler.io/scale-up-drain-seconds';
const PROBE_BASE = 60;
/** Wall-clock ms a Flink answer may take before the sidecar's (real) timeout: the slow-timeout fault exceeds it. */
const FLINK_TIMEOUT_REAL_MS = 3000;

export interface SoakOptions {
  seed: number;
  /** Virtual hours of job time. */
  hours: number;
  /** The factor of accelerate.ts (CHAOS_TIME_SCALE), for the slow-timeout fault and the record. */
  timeScale: number;
  /** Sidecar processes on the job (two: JobManager HA, one Lease). */
  sidecars: number;
  trace: string;
  /** Where in the trace the run starts, hours. */
  traceOffsetHours: number;
  /** Mean gap between faults per track, virtual seconds. */
  meanGapSeconds: { kube: number; flink: number; other: number };
  warmupSeconds: number;
  /** [from, to) hours of the run without faults (the steady state); none when absent. */
  quietHours?: [number, number];
  /** Manual hold after an unannotated replica change (the sidecar's --manual-hold-seconds). */
  manualHoldSeconds: number;
  /**
   * Break the rules on purpose (to show the judge and the short form can fail): while Flink answers NaN, a
   * scale written with sidecar 0's credentials; later, the saved history wiped with sidecar 1's.
   */
  sabotage?: boolean;
  /** Progress lines on stderr. */
  progress: (fields: Record<string, unknown>) => void;
}

const freePort = () =>
  new Promise<number>((done) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const port = (probe.address() as { port: number }).port;
      probe.close(() => done(port));
    });
  });

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function parseState(text: string | undefined): SavedState | undefined {
  if (text === undefined) return undefined;
  try {
    const state = JSON.parse(text) as SavedState;
    return Array.isArray(state.history) ? state : undefined;
  } catch {
    return undefined;
  }
}

/** The replica count a scale write asked for (a JSON patch of /spec/replicas, or a merge patch of the spec). */
function replicasOfBody(body: string): number | undefined {
  try {
    const parsed = JSON.parse(body) as unknown;
    if (Array.isArray(parsed)) {
      const replace = parsed.find(
        (op: { op?: string; path?: string }) =>
          op.op === 'replace' && (op.path === '/spec/replicas' || op.path === '/spec/taskManager/replicas'),
      ) as { value?: unknown } | undefined;
      return typeof replace?.value === 'number' ? replace.value : undefined;
    }
    const p = parsed as { spec?: { replicas?: unknown; taskManager?: { replicas?: unknown } } };
    const n = p.spec?.replicas ?? p.spec?.taskManager?.replicas;
    return typeof n === 'number' ? n : undefined;
  } catch {
    return undefined;
  }
}

interface SidecarProcess {
  index: number;
  port: number;
  child: ChildProcess | undefined;
  log: string[];
  killedByHarness: boolean;
}

export async function runSoak(options: SoakOptions): Promise<SoakRecords> {
  const random = seededRandom(options.seed ^ 0x5eed);
  const trace = loadTrace(options.trace);
  const offset = options.traceOffsetHours * 3600;
  const seconds = Math.round(options.hours * 3600);
  // The run starts ("go") once the sidecars answer; until then the job gets no input and time stands still.
  let start = Date.now();
  const go: { flinkSeconds?: number } = {};
  const vt = (at = Date.now()) => at - start; // virtual ms since the start
  const policy: JudgedPolicy = {
    minWorkers: trace.job.minWorkers ?? DEFAULT_CONFIG.minWorkers,
    maxWorkers: trace.job.maxWorkers ?? DEFAULT_CONFIG.maxWorkers,
    intervalSeconds: DEFAULT_CONFIG.intervalSeconds,
    windowSeconds: DEFAULT_CONFIG.windowSeconds,
    cooldownSeconds: DEFAULT_CONFIG.cooldownSeconds,
    manualHoldSeconds: options.manualHoldSeconds,
    scaleUpBacklogTimeSeconds: DEFAULT_CONFIG.scaleUp.backlogTimeSeconds,
    scaleDownBacklogTimeSeconds: DEFAULT_CONFIG.scaleDown.backlogTimeSeconds,
    scaleUpCpu: DEFAULT_CONFIG.scaleUp.cpu,
    scaleDownCpu: DEFAULT_CONFIG.scaleDown.cpu,
  };

  const flink: FlinkDouble = await startFlinkDouble({
    clusterId: NAME,
    namespace: NS,
    jobShape: trace.job,
    input: (t) => (go.flinkSeconds === undefined ? 0 : rateAt(trace, t - go.flinkSeconds + offset)),
    slotsPerTaskManager: 1,
    startEpochMs: start,
  });
  const accounts = Array.from({ length: options.sidecars }, (_, i) =>
    serviceAccount(NS, `flink-jm-${i}`, `sidecar-token-${i}`),
  );
  const person = { token: 'person-token', username: 'alice', groups: ['flink-operators'] };
  const kube: KubeDouble = await startKubeDouble({
    namespace: NS,
    users: [...accounts, person],
    rules: [
      ...accounts.flatMap((sa) => sidecarRules(NS, sa.username)),
      { name: 'alice', users: ['alice'], verbs: ['*'], apiGroups: ['*'], resources: ['*'] },
    ],
  });
  const fixture = flinkDeployment({
    name: NAME,
    namespace: NS,
    replicas: trace.job.initialWorkers,
    slotsPerTaskManager: 1,
    labels: { [ENABLED_LABEL]: 'true' },
    annotations: { [PROBE_ANNOTATION]: String(PROBE_BASE) },
  });
  fixture.spec.jobManager = { ...fixture.spec.jobManager, replicas: options.sidecars };
  kube.flinkDeployments.put(fixture);
  kube.flinkDeployments.reconcile(NS, NAME);

  const records: SoakRecords = {
    seed: options.seed,
    timeScale: options.timeScale,
    sidecars: options.sidecars,
    start,
    end: start,
    trace: `${trace.name} from ${options.traceOffsetHours} h`,
    policy,
    faults: [],
    replicaChanges: [],
    truth: [],
    states: [],
    kubeRequests: [],
    flinkAnswers: [],
    probes: [],
    observations: [],
    crashes: [],
    harnessErrors: [],
  };

  // The operator: a new replica count restarts the simulated job with that many TaskManagers.
  const personWrites: number[] = [];
  kube.onReplicasChange((change) => {
    if (change.to !== undefined && change.to >= 1) flink.setReplicas(change.to);
    queueMicrotask(() => kube.flinkDeployments.reconcile(NS, NAME));
    const personIndex = personWrites.indexOf(change.to ?? -1);
    let by: ReplicaChangeRecord['by'] = 'person';
    let via: ReplicaChangeRecord['via'] = 'put';
    if (personIndex >= 0) {
      personWrites.splice(personIndex, 1);
    } else {
      const writes = kube.requests().filter((r) => r.verb === 'patch' || r.verb === 'update');
      const write = writes.reverse().find((r) => replicasOfBody(r.body) === change.to);
      const sidecar = accounts.findIndex((sa) => sa.username === write?.user);
      by = sidecar >= 0 ? sidecar : 'person';
      via = write?.subresource === 'scale' ? 'scale' : 'patch';
    }
    records.replicaChanges.push({ at: Date.now(), from: change.from, to: change.to, by, via });
    options.progress({
      msg: 'replicas',
      at: clock(),
      from: change.from,
      to: change.to,
      by,
      backlog: Math.round(flink.job.backlog),
    });
  });

  const clock = () => {
    const s = Math.floor(vt() / 1000);
    return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m${String(s % 60).padStart(2, '0')}s`;
  };

  // The sidecars: the real process, accelerated by the same preload, one service account each.
  // The sidecar runs with --jitless (no WebAssembly, so Node cannot strip types itself): give it plain JS.
  const preload = join(mkdtempSync(join(tmpdir(), 'chaos-preload-')), 'accelerate.mjs');
  writeFileSync(preload, stripTypeScriptTypes(readFileSync(join(root, 'test/chaos/accelerate.ts'), 'utf8')));
  const sidecars: SidecarProcess[] = [];
  for (let index = 0; index < options.sidecars; index++) {
    sidecars.push({ index, port: await freePort(), child: undefined, log: [], killedByHarness: false });
  }
  // Each sidecar asks Flink through its own proxy, so every Flink answer is known by who asked and by the
  // fault it was shaped by (the judge checks a scale against the answers its own sidecar had). The proxy is
  // down while Flink is.
  const proxies = await Promise.all(
    sidecars.map((sidecar) =>
      startFlinkProxy(flink, sidecar.index, (answer) => records.flinkAnswers.push(answer)),
    ),
  );
  const setFlinkFault = async (mode: FaultMode, faultOptions: { slowMs?: number } = {}) => {
    await flink.setFault(mode, faultOptions);
    for (const proxy of proxies) {
      if (mode === 'down' && proxy.listening) await proxy.close();
      else if (mode !== 'down' && !proxy.listening) await proxy.open();
    }
  };
  const launch = (sidecar: SidecarProcess) => {
    const sa = accounts[sidecar.index];
    if (!sa) throw new Error(`no account for sidecar ${sidecar.index}`);
    const child = spawn(
      process.execPath,
      [
        ...SIDECAR_NODE_OPTIONS.split(' ').filter((f) => f !== ''),
        '--import',
        preload,
        join(root, 'sidecar/dist/cli/main.js'),
        'sidecar',
        ...['--flink-url', `http://127.0.0.1:${proxies[sidecar.index]?.port ?? flink.port}`],
        ...['--namespace', NS, '--name', NAME],
        ...['--kubeconfig', kube.kubeconfig({ token: sa.token }, { namespace: NS })],
        ...['--listen', `127.0.0.1:${sidecar.port}`],
        ...['--max-workers', String(policy.maxWorkers), '--min-workers', String(policy.minWorkers)],
        ...['--manual-hold-seconds', String(options.manualHoldSeconds)],
      ],
      {
        stdio: ['ignore', 'ignore', 'pipe'],
        env: { ...process.env, POD_NAME: `${NAME}-jobmanager-${sidecar.index}` },
      },
    );
    sidecar.child = child;
    sidecar.killedByHarness = false;
    let partial = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      partial += chunk.toString('utf8');
      const lines = partial.split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) {
        sidecar.log.push(line);
        if (sidecar.log.length > 60) sidecar.log.shift();
        if (/"level":"(warn|error)"/.test(line) && process.env.CHAOS_SIDECAR_LOG === 'warn') {
          options.progress({ msg: 'sidecar log', sidecar: sidecar.index, line: line.slice(0, 400) });
        }
      }
    });
    child.on('exit', (code) => {
      if (sidecar.child === child) sidecar.child = undefined;
      if (!sidecar.killedByHarness && !stopping) {
        records.crashes.push({ sidecar: sidecar.index, at: Date.now(), code, log: sidecar.log.slice(-20) });
        options.progress({ msg: 'sidecar exited by itself', sidecar: sidecar.index, code, at: clock() });
        // As the kubelet restarts a crashed container: 10 s, doubling, at most 5 minutes.
        const crashes = records.crashes.filter((c) => c.sidecar === sidecar.index).length;
        setTimeout(() => launch(sidecar), Math.min(300_000, 10_000 * 2 ** (crashes - 1)));
      }
    });
  };
  let stopping = false;
  for (const sidecar of sidecars) launch(sidecar);
  const flinkZero = start;
  const up = async (sidecar: SidecarProcess) =>
    fetch(`http://127.0.0.1:${sidecar.port}/api/v1/status`, { signal: AbortSignal.timeout(2000) })
      .then((r) => r.ok)
      .catch(() => false);
  for (let waited = 0; ; waited += 5) {
    if ((await Promise.all(sidecars.map(up))).every(Boolean)) break;
    if (waited > 3600)
      throw new Error(`the sidecars did not start:\n${sidecars.map((s) => s.log.join('\n')).join('\n')}`);
    await sleep(5000);
  }
  start = Date.now();
  flink.advance((start - flinkZero) / 1000);
  go.flinkSeconds = flink.time;
  records.start = start;
  options.progress({
    msg: 'go',
    sidecars: options.sidecars,
    flinkSecondsBeforeGo: Math.round(go.flinkSeconds),
  });

  // Ground truth every 5 virtual seconds; Flink's time follows the virtual clock every second.
  let lastStateKey = '';
  const observe = () => {
    const t = (Date.now() - flinkZero) / 1000;
    if (t > flink.time) flink.advance(t - flink.time);
  };
  const advanceTimer = setInterval(observe, 1000);
  const truthTimer = setInterval(() => {
    observe();
    const job = flink.job;
    const truth: TruthSample = {
      at: Date.now(),
      status: flink.status,
      active: job.active,
      requested: job.requested,
      backlog: job.backlog,
      processed: job.processed,
      input: rateAt(trace, flink.time - (go.flinkSeconds ?? 0) + offset),
      cpu: job.cpu,
    };
    records.truth.push(truth);
    const fd = kube.flinkDeployments.get(NS, NAME);
    if (!fd) return;
    const text = fd.metadata.annotations?.[STATE_ANNOTATION];
    const snapshot: StateSnapshot = {
      at: Date.now(),
      resourceVersion: fd.metadata.resourceVersion ?? '',
      replicas: fd.spec.taskManager?.replicas,
      state: parseState(text),
      paused: fd.metadata.annotations?.[PAUSED_ANNOTATION] === 'true',
    };
    const key = JSON.stringify([snapshot.replicas, text, snapshot.paused]);
    if (key !== lastStateKey) {
      lastStateKey = key;
      records.states.push(snapshot);
    }
  }, 5000);

  // Probes: after a fault, the harness changes a policy annotation; each sidecar's status shows when it saw it.
  let probeValue = 0;
  let pendingUntil = 0;
  const probe = (fault: string) => {
    probeValue += 1;
    const value = PROBE_BASE + probeValue / 1000;
    patchDeployment((fd) => {
      fd.metadata.annotations = { ...fd.metadata.annotations, [PROBE_ANNOTATION]: String(value) };
    });
    records.probes.push({ at: Date.now(), value, fault });
    pendingUntil = Date.now() + 1800_000;
  };
  const poll = async () => {
    await Promise.all(
      sidecars.map(async (sidecar) => {
        const observation: StatusObservation = {
          at: Date.now(),
          sidecar: sidecar.index,
          probe: undefined,
          signals: false,
          leader: false,
          lastCycleAt: undefined,
        };
        try {
          const answer = await fetch(`http://127.0.0.1:${sidecar.port}/api/v1/status`, {
            signal: AbortSignal.timeout(2000),
          });
          const status = (await answer.json()) as {
            thresholds?: { scaleUp?: { drainSeconds?: number } };
            signals?: unknown;
            leader?: { leader?: boolean };
            lastCycleAt?: string | null;
          };
          observation.probe = status.thresholds?.scaleUp?.drainSeconds;
          observation.signals = status.signals !== null && status.signals !== undefined;
          observation.leader = status.leader?.leader === true;
          observation.lastCycleAt = status.lastCycleAt ? Date.parse(status.lastCycleAt) : undefined;
        } catch {
          // not answering (killed, starting): recorded as such
        }
        records.observations.push(observation);
      }),
    );
  };
  let polling = false;
  let lastPoll = 0;
  const pollTimer = setInterval(() => {
    if (polling) return;
    const pending = Date.now() < pendingUntil;
    if (!pending && Date.now() - lastPoll < 30_000) return;
    polling = true;
    lastPoll = Date.now();
    void poll().finally(() => (polling = false));
  }, 5000);

  function patchDeployment(change: (fd: FlinkDeployment) => void): void {
    const current = kube.flinkDeployments.get(NS, NAME);
    if (!current) return;
    const next = structuredClone(current);
    change(next);
    kube.flinkDeployments.put(next);
  }

  // The faults.
  const planned = schedule({
    seed: options.seed,
    seconds,
    warmupSeconds: options.warmupSeconds,
    cooldownSeconds: 600,
    meanGapSeconds: options.meanGapSeconds,
    ...(options.quietHours
      ? { quiet: [options.quietHours[0] * 3600, options.quietHours[1] * 3600] as const }
      : {}),
  });
  options.progress({
    msg: 'soak planned',
    seed: options.seed,
    hours: options.hours,
    timeScale: options.timeScale,
    faults: planned.length,
    kinds: [...new Set(planned.map((p) => p.kind))].length,
  });
  const kubeFault = (p: PlannedFault): Fault => {
    const d = p.detail;
    const times = Number(d['times'] ?? 1);
    switch (p.kind) {
      case 'kube:lose-scale-answer':
        return {
          kind: 'loseAnswer',
          how: d['how'] as 'reset' | 'gatewayTimeout',
          match: { resource: 'flinkdeployments', subresource: 'scale', verbs: ['patch', 'update'] },
        };
      case 'kube:lose-state-answer':
        return {
          kind: 'loseAnswer',
          how: d['how'] as 'reset' | 'gatewayTimeout',
          match: { resource: 'flinkdeployments', subresource: '', verbs: ['patch', 'update'] },
        };
      case 'kube:reset':
        return { kind: 'reset', times };
      case 'kube:silent-watch':
        return { kind: 'silence', afterEvents: Number(d['afterEvents'] ?? 0), match: { verbs: ['watch'] } };
      case 'kube:429':
        return {
          kind: 'tooManyRequests',
          times,
          retryAfterSeconds: Number(d['retryAfterSeconds']),
          body: d['body'] as 'text' | 'status',
        };
      case 'kube:500':
        return { kind: 'internalError', times };
      case 'kube:conflict':
        return { kind: 'conflict', times, match: { resource: String(d['resource'] ?? 'flinkdeployments') } };
      case 'kube:delay':
        return { kind: 'delay', times, ms: Number(d['ms']) };
      default:
        throw new Error(`not a fault of the Kubernetes double: ${p.kind}`);
    }
  };
  const inject = async (p: PlannedFault) => {
    const record: FaultRecord = {
      kind: p.kind,
      target: p.target,
      start: Date.now(),
      end: Date.now(),
      detail: p.detail,
    };
    records.faults.push(record);
    options.progress({ msg: 'fault', at: clock(), kind: p.kind, seconds: p.seconds, ...p.detail });
    const finish = async (undo: () => void | Promise<void>, probeAfter: boolean) => {
      if (p.seconds > 0) await sleep(p.seconds * 1000);
      await undo();
      record.end = Date.now();
      if (probeAfter) probe(p.kind);
    };
    switch (p.target) {
      case 'kube': {
        if (p.kind === 'kube:restart') {
          kube.restart();
          probe(p.kind);
          return;
        }
        if (p.kind === 'kube:compact') {
          kube.compact();
          probe(p.kind);
          return;
        }
        kube.setFault(kubeFault(p));
        await finish(() => kube.clearFaults(), true);
        return;
      }
      case 'flink': {
        const mode = p.kind.slice('flink:'.length);
        if (mode === 'slow-timeout') {
          await setFlinkFault('slow', { slowMs: FLINK_TIMEOUT_REAL_MS * 1.5 * options.timeScale });
        } else {
          await setFlinkFault(
            mode as FaultMode,
            mode === 'slow' ? { slowMs: Number(p.detail['slowMs']) } : {},
          );
        }
        await finish(() => setFlinkFault('none'), false);
        pendingUntil = Math.max(pendingUntil, Date.now() + 900_000);
        return;
      }
      case 'sidecar': {
        const sidecar = sidecars[Number(p.detail['sidecar'] ?? 0) % sidecars.length] as SidecarProcess;
        sidecar.killedByHarness = true;
        sidecar.child?.kill('SIGKILL');
        await finish(() => launch(sidecar), true);
        return;
      }
      case 'person': {
        const current = kube.flinkDeployments.get(NS, NAME);
        const from = current?.spec.taskManager?.replicas ?? trace.job.initialWorkers;
        if (p.kind === 'person:pause') {
          patchDeployment((fd) => {
            fd.metadata.annotations = { ...fd.metadata.annotations, [PAUSED_ANNOTATION]: 'true' };
          });
          await finish(
            () =>
              patchDeployment((fd) => {
                const { [PAUSED_ANNOTATION]: _, ...rest } = fd.metadata.annotations ?? {};
                fd.metadata.annotations = rest;
              }),
            false,
          );
          return;
        }
        const lo = Math.max(policy.minWorkers, Math.round(from * 0.6));
        const hi = Math.min(policy.maxWorkers, Math.round(from * 1.5) + 1);
        let to = lo + Math.floor(Number(p.detail['pick'] ?? random()) * (hi - lo + 1));
        if (to === from) to = from < hi ? from + 1 : from - 1;
        const withHold = p.kind === 'person:scale-with-hold';
        const holdSeconds = withHold ? Number(p.detail['holdSeconds']) : options.manualHoldSeconds;
        record.detail = { ...p.detail, from, to, holdUntil: Date.now() + holdSeconds * 1000 };
        personWrites.push(to);
        patchDeployment((fd) => {
          if (fd.spec.taskManager) fd.spec.taskManager.replicas = to;
          if (withHold) {
            const now = new Date();
            fd.metadata.annotations = {
              ...fd.metadata.annotations,
              [HOLD_ANNOTATION]: serializeHold({
                replicas: to,
                from,
                by: 'alice',
                reason: 'chaos soak: a person scales by hand',
                at: now.toISOString(),
                until: new Date(now.getTime() + holdSeconds * 1000).toISOString(),
              }),
            };
          }
        });
        return;
      }
    }
  };
  const faultTimers = planned.map((p) =>
    setTimeout(() => {
      void inject(p).catch((error: Error) => {
        records.harnessErrors.push(`${p.kind}: ${error.message}`);
        options.progress({ msg: 'fault failed', kind: p.kind, error: error.message });
      });
    }, p.at * 1000),
  );

  if (options.sabotage) {
    const asSidecar = (index: number, path: string, contentType: string, body: unknown) =>
      fetch(`${kube.url}/apis/flink.apache.org/v1beta1/namespaces/${NS}/flinkdeployments/${NAME}${path}`, {
        method: 'PATCH',
        headers: { Authorization: `Bearer ${accounts[index]?.token ?? ''}`, 'Content-Type': contentType },
        body: JSON.stringify(body),
      }).then((r) => r.status);
    faultTimers.push(
      setTimeout(() => {
        void (async () => {
          const record: FaultRecord = {
            kind: 'sabotage:scale-on-nan',
            target: 'flink',
            start: Date.now(),
            end: 0,
          };
          records.faults.push(record);
          await setFlinkFault('nan');
          const asked = flink.requests.length;
          while (!flink.requests.slice(asked).some((r) => r.fault === 'nan')) await sleep(1000);
          const from = kube.flinkDeployments.get(NS, NAME)?.spec.taskManager?.replicas ?? 1;
          const status = await asSidecar(0, '/scale', 'application/json-patch+json', [
            { op: 'test', path: '/spec/replicas', value: from },
            { op: 'replace', path: '/spec/replicas', value: from + 1 },
          ]);
          options.progress({ msg: 'sabotage: scaled while Flink answers NaN', at: clock(), from, status });
          await sleep(30_000);
          await setFlinkFault('none');
          record.end = Date.now();
        })();
      }, seconds * 400),
      setTimeout(() => {
        const text = kube.flinkDeployments.get(NS, NAME)?.metadata.annotations?.[STATE_ANNOTATION];
        const saved = parseState(text);
        if (!saved) return;
        void asSidecar(1, '', 'application/merge-patch+json', {
          metadata: { annotations: { [STATE_ANNOTATION]: JSON.stringify({ ...saved, history: [] }) } },
        }).then((status) => options.progress({ msg: 'sabotage: saved history wiped', at: clock(), status }));
      }, seconds * 700),
    );
  }

  const progressTimer = setInterval(() => {
    options.progress({
      msg: 'soak',
      at: clock(),
      workers: flink.job.active,
      backlog: Math.round(flink.job.backlog),
      input: Math.round(rateAt(trace, flink.time - (go.flinkSeconds ?? 0) + offset)),
      scales: records.replicaChanges.length,
      faults: records.faults.length,
      kubeRequests: kube.requests().length,
    });
  }, 1800_000);

  await sleep(seconds * 1000);
  stopping = true;
  for (const timer of faultTimers) clearTimeout(timer);
  clearInterval(advanceTimer);
  clearInterval(truthTimer);
  clearInterval(pollTimer);
  clearInterval(progressTimer);
  records.end = Date.now();
  await Promise.all(
    sidecars.map(
      (sidecar) =>
        new Promise<void>((done) => {
          const child = sidecar.child;
          if (!child) return done();
          sidecar.killedByHarness = true;
          child.once('exit', () => done());
          child.kill('SIGTERM');
          setTimeout(() => (child.kill('SIGKILL'), done()), 60_000);
        }),
    ),
  );

  const users = new Map(accounts.map((sa, i) => [sa.username, i]));
  records.kubeRequests = kube.requests().map((r): KubeRequestRecord => {
    const replicas =
      (r.verb === 'patch' || r.verb === 'update') && r.resource === 'flinkdeployments'
        ? replicasOfBody(r.body)
        : undefined;
    return {
      at: r.at,
      sidecar: users.get(r.user) ?? -1,
      verb: r.verb,
      resource: r.resource,
      subresource: r.subresource,
      status: r.status,
      ...(replicas !== undefined ? { replicas } : {}),
    };
  });
  await Promise.all(proxies.map((proxy) => proxy.close()));
  await Promise.all([kube.close(), flink.close()]);
  return records;
}
