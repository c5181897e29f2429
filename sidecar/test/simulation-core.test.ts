import { describe, expect, it } from 'vitest';
import { oracleFactory } from '../src/simulation/controllers/oracle.js';
import { oursFactory } from '../src/simulation/controllers/ours.js';
import { staticPeakFactory } from '../src/simulation/controllers/static-peak.js';
import type { ControllerFactory } from '../src/simulation/controllers/types.js';
import { FigureCollector, backlogSeconds } from '../src/simulation/figures.js';
import { DEFAULT_RESTART_COSTS, FluidJob, IDLE_CPU, capacity, workersFor } from '../src/simulation/job.js';
import { Observer } from '../src/simulation/observer.js';
import { seededNoise } from '../src/simulation/random.js';
import { runSimulation } from '../src/simulation/run.js';
import {
  jobShapeSchema,
  loadTrace,
  parseTrace,
  rateAt,
  traceNames,
  type Trace,
} from '../src/simulation/trace.js';

const shape = (extra: Record<string, unknown> = {}) =>
  jobShapeSchema.parse({ capacityPerWorker: 1000, initialWorkers: 10, stateMb: 1000, ...extra });

describe('traces', () => {
  it('has the six traces the issue names, each with a one-line description', () => {
    const names = traceNames();
    for (const name of ['step', 'daily', 'surge', 'growth', 'stationary', 'partition-capped']) {
      expect(names).toContain(name);
      const trace = loadTrace(name);
      expect(trace.description).not.toContain('\n');
      expect(trace.description.length).toBeGreaterThan(20);
    }
  });

  it('step doubles the rate; daily runs 4:1 peak to trough; growth doubles; surge brings 30 minutes of input', () => {
    const step = loadTrace('step');
    expect(rateAt(step, (step.changes[0] ?? 0) + 10) / rateAt(step, 0)).toBe(2);
    const daily = loadTrace('daily');
    const rates = daily.points.map(([, r]) => r);
    expect(Math.max(...rates) / Math.min(...rates)).toBeCloseTo(4, 6);
    const growth = loadTrace('growth');
    expect(rateAt(growth, growth.durationSeconds) / rateAt(growth, 0)).toBe(2);
    const surge = loadTrace('surge');
    const [at, records] = surge.surges[0] ?? [0, 0];
    expect(records).toBe(30 * 60 * rateAt(surge, at));
  });

  it('stationary stays within ±10 % of its mean; partition-capped has partitions', () => {
    const rates = loadTrace('stationary').points.map(([, r]) => r);
    const mean = rates.reduce((a, b) => a + b, 0) / rates.length;
    for (const r of rates) expect(Math.abs(r / mean - 1)).toBeLessThanOrEqual(0.11);
    expect(loadTrace('partition-capped').job.partitions).toBe(24);
  });

  it('interpolates between points and holds after the last', () => {
    const trace = {
      points: [
        [0, 100],
        [10, 200],
      ] as [number, number][],
    };
    expect(rateAt(trace, 5)).toBe(150);
    expect(rateAt(trace, 99)).toBe(200);
  });

  it('refuses a bad trace or name with a message', () => {
    expect(() => parseTrace({ name: 'x', description: 'too short' })).toThrow(/description|durationSeconds/);
    expect(() => loadTrace('../etc/passwd')).toThrow(/not a trace name/);
    expect(() => loadTrace('nope')).toThrow(/no trace "nope" \(known: daily/);
  });
});

describe('the fluid job', () => {
  it('caps capacity at the source partitions and loses efficiency as it widens', () => {
    expect(capacity(shape(), 10)).toBe(10_000);
    expect(capacity(shape({ partitions: 4 }), 10)).toBe(4000);
    expect(capacity(shape({ efficiencyLoss: 0.1 }), 11)).toBeCloseTo(11_000 / 2, 9);
    expect(workersFor(shape(), 10_001)).toBe(11);
    expect(workersFor(shape({ partitions: 4 }), 50_000)).toBe(4);
  });

  it('with skew, the hottest subtask saturates first: the job is capped while mean CPU stays low', () => {
    const skewed = shape({ skew: 1 });
    expect(capacity(skewed, 1)).toBe(1000);
    expect(capacity(skewed, 10)).toBe(5000);
    const job = new FluidJob(skewed);
    for (let i = 0; i < 5; i++) job.step(8000);
    expect(job.backlog).toBe(15_000);
    expect(job.busy).toBe(1);
    expect(job.cpu).toBeCloseTo(IDLE_CPU + (1 - IDLE_CPU) * 0.5, 12);
  });

  it('grows the backlog by input minus what it processes, and drains it at capacity', () => {
    const job = new FluidJob(shape());
    for (let i = 0; i < 10; i++) job.step(12_000);
    expect(job.backlog).toBe(20_000);
    expect(job.cpu).toBe(1);
    for (let i = 0; i < 5; i++) job.step(6_000);
    expect(job.backlog).toBe(0);
    job.step(5_000);
    expect(job.cpu).toBeCloseTo(IDLE_CPU + (1 - IDLE_CPU) * 0.5, 12);
    expect(job.busy).toBe(0.5);
  });

  it('pays for a scale-down with downtime (restore time grows with state) and records read again', () => {
    const job = new FluidJob(shape());
    for (let i = 0; i < 15; i++) job.step(5_000);
    // 5 s since the checkpoint at 10 s: 25,000 records will be read again
    job.request(5);
    expect(job.state).toBe('RESTARTING');
    expect(job.readAgain).toBe(25_000);
    expect(job.restartSeconds).toBe(DEFAULT_RESTART_COSTS.restartBaseSeconds + 1000 / 100);
    for (let i = 0; i < 20; i++) job.step(5_000);
    expect(job.state).toBe('RESTARTING'); // 20 s down: nothing processed, input piles up
    expect(job.backlog).toBe(25_000 + 20 * 5_000);
    job.step(5_000);
    expect(job.state).toBe('RUNNING');
    expect(job.active).toBe(5);
    expect(job.processed).toBe(5_000); // 5 workers: just keeps up, the backlog stays
  });

  it('keeps running on the old workers while new TaskManagers start, then restarts on all of them', () => {
    const job = new FluidJob(shape());
    job.request(20);
    expect(job.requested).toBe(20);
    for (let i = 0; i < DEFAULT_RESTART_COSTS.taskManagerStartSeconds; i++) job.step(1000);
    expect(job.state).toBe('RUNNING');
    expect(job.active).toBe(10);
    job.step(1000);
    expect(job.state).toBe('RESTARTING');
    expect(job.active).toBe(20);
  });

  it('resizes the oracle at once and for free', () => {
    const job = new FluidJob(shape());
    job.request(3, true);
    expect(job.state).toBe('RUNNING');
    expect(job.active).toBe(3);
    expect(job.readAgain).toBe(0);
  });
});

describe('what the sidecar sees', () => {
  it('averages rates over 60 s, starting from zero after a restart, and refreshes at most every 10 s', () => {
    const job = new FluidJob(shape());
    const observer = new Observer(seededNoise(1), { rateNoise: 0, cpuNoise: 0 });
    job.step(6000);
    observer.record(job);
    expect(observer.view(job).throughput).toBe(100); // 6000 in 1 s of a 60 s meter
    for (let i = 0; i < 5; i++) {
      job.step(6000);
      observer.record(job);
    }
    expect(observer.view(job).throughput).toBe(100); // not refreshed yet
    for (let i = 0; i < 54; i++) {
      job.step(6000);
      observer.record(job);
    }
    expect(observer.view(job).throughput).toBe(6000);
  });

  it('is deterministic for a seed and differs between seeds', () => {
    const run = (seed: number) =>
      runSimulation(loadTrace('stationary'), oursFactory(), { seed })
        .timeline.map((p) => p.workers)
        .join();
    const cpu = (seed: number) => {
      const observer = new Observer(seededNoise(seed));
      const job = new FluidJob(shape());
      job.step(5000);
      observer.record(job);
      return observer.view(job).cpu;
    };
    expect(run(3)).toBe(run(3));
    expect(cpu(1)).not.toBe(cpu(2));
  });
});

describe('figures', () => {
  it('counts backlog time as seconds of input waiting', () => {
    expect(backlogSeconds(0, 0)).toBe(0);
    expect(backlogSeconds(1000, 100)).toBe(10);
    expect(backlogSeconds(5, 0)).toBe(Number.POSITIVE_INFINITY);
  });

  it('gathers worker-hours, SLO share, worst backlog time, rescales per change and recovery', () => {
    const c = new FigureCollector([100]);
    for (let t = 0; t < 200; t++) c.add(t, 36, t >= 100 && t < 150 ? 200 : 5);
    c.rescaled(50);
    c.rescaled(110);
    c.rescaled(120);
    const f = c.finish(42);
    expect(f.workerHours).toBe(2);
    expect(f.sloAttainment).toBe(0.75);
    expect(f.worstBacklogTimeSeconds).toBe(200);
    expect(f.rescales).toBe(3);
    expect(f.maxRescalesPerChange).toBe(2);
    expect(f.recoverySeconds).toBe(50);
    expect(f.recordsReadAgain).toBe(42);
  });
});

describe('runs', () => {
  const flat: Trace = parseTrace({
    name: 'flat',
    description: 'A flat 10,000 records/s for an hour.',
    durationSeconds: 3600,
    points: [[0, 10_000]],
    job: { capacityPerWorker: 1000, initialWorkers: 30 },
  });

  it('the oracle keeps up with the fewest workers and so bounds everyone from below', () => {
    const oracle = runSimulation(flat, oracleFactory);
    expect(oracle.figures.workerHours).toBe(10);
    expect(oracle.figures.sloAttainment).toBe(1);
    for (const factory of [oursFactory(), staticPeakFactory]) {
      expect(runSimulation(flat, factory).figures.workerHours).toBeGreaterThanOrEqual(10);
    }
  });

  it('static-peak never rescales', () => {
    expect(runSimulation(loadTrace('daily'), staticPeakFactory).figures.rescales).toBe(0);
  });

  it('ours shrinks an over-provisioned job into its CPU band and then holds', () => {
    const result = runSimulation(flat, oursFactory());
    const last = result.timeline.at(-1);
    expect(last?.workers).toBeGreaterThanOrEqual(12);
    expect(last?.workers).toBeLessThanOrEqual(14);
    expect(last?.cpu).toBeGreaterThan(0.7);
    expect(last?.cpu).toBeLessThan(0.9);
  });

  it('clamps a policy to the job’s bounds', () => {
    const greedy: ControllerFactory = () => ({ name: 'greedy', intervalSeconds: 60, decide: () => 10_000 });
    const result = runSimulation(flat, greedy);
    expect(Math.max(...result.timeline.map((p) => p.workers))).toBe(100);
  });
});
