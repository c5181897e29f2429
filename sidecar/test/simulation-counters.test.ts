/**
 * The simulator shows the policies what the sidecar sees of Flink after a restart (issue 12): meters that
 * refill from zero for 60 s, and the source's record counter, exact and back at zero. `ours` takes its
 * throughput from the counter, so the first trusted window after a rescale reads the true rate.
 */
import type { Evaluation } from '@flink-autoscaler/shared';
import { describe, expect, it } from 'vitest';
import { oursFactory } from '../src/simulation/controllers/ours.js';
import { FluidJob } from '../src/simulation/job.js';
import { Observer, type View } from '../src/simulation/observer.js';
import { seededNoise } from '../src/simulation/random.js';
import { jobShapeSchema, loadTrace, rateAt, type Trace } from '../src/simulation/trace.js';

const shape = (extra: Record<string, unknown> = {}) =>
  jobShapeSchema.parse({ capacityPerWorker: 1000, initialWorkers: 10, stateMb: 1000, ...extra });

describe('what the sidecar sees of the counter', () => {
  it('counts every record read since the tasks started, exactly, and starts again at zero on a restart', () => {
    const job = new FluidJob(shape());
    const observer = new Observer(seededNoise(1)); // noise on meters, backlog and CPU; none on counters
    let read = 0;
    for (let t = 0; t < 30; t++) {
      job.step(6000);
      observer.record(job);
      read += job.processed;
    }
    expect(read).toBe(30 * 6000);
    expect(observer.view(job).count).toBe(read);
    job.request(5); // a scale-down restarts the job at once
    while (job.state !== 'RUNNING' || job.uptime < 20) {
      job.step(6000);
      observer.record(job);
    }
    const view = observer.view(job);
    // 20 s of 5 workers at capacity (the backlog of the restart drains): 5000/s, the meter a third full
    expect(view.count).toBe(20 * 5000);
    expect(view.throughput).toBeLessThan(0.4 * 5000);
  });
});

/** One trusted evaluation after a rescale: what ours read, what the meters said, and the truth. */
interface FirstWindow {
  at: number;
  workers: number;
  throughput: number;
  meterMean: number;
  truth: number;
}

/**
 * Runs ours on a trace as runSimulation does, keeping the records processed each second, and returns the
 * first evaluation with signals after each rescale, with the true rate over its window's samples.
 */
function firstWindowsAfterRescales(trace: Trace): FirstWindow[] {
  const job = new FluidJob(trace.job);
  const observer = new Observer(seededNoise(1));
  const processed: number[] = [];
  const out: FirstWindow[] = [];
  // the views the autoscaler's window holds since it was last emptied (job not RUNNING, new worker count)
  let run: View[] = [];
  let waiting = false;
  const controller = oursFactory({}, (view: View, evaluation: Evaluation) => {
    const last = run.at(-1);
    if (view.jobState !== 'RUNNING' || (last && last.workers !== view.workers)) run = [];
    if (view.jobState === 'RUNNING') run.push(view);
    const source = evaluation.signals?.source;
    if (waiting && source && view.workers === view.requested) {
      waiting = false;
      // the window: samples no older than windowSeconds (120 s) of this run
      const window = run.filter((v) => v.time >= view.time - evaluation.config.windowSeconds);
      const first = window[0] as View;
      // the view at time t shows what was processed in seconds 0 … t-1
      const seconds = processed.slice(first.time, view.time);
      out.push({
        at: view.time,
        workers: view.workers,
        throughput: source.throughput,
        meterMean: window.reduce((sum, v) => sum + v.throughput, 0) / window.length,
        truth: seconds.reduce((a, b) => a + b, 0) / seconds.length,
      });
    }
    if (evaluation.action !== 'none') {
      waiting = true;
      run = [];
    }
  })({ trace, shape: trace.job });
  for (let t = 0; t < trace.durationSeconds; t++) {
    job.step(rateAt(trace, t));
    observer.record(job);
    processed.push(job.state === 'RUNNING' ? job.processed : 0);
    if ((t + 1) % controller.intervalSeconds === 0) {
      const view = observer.view(job);
      const target = controller.decide(view, { inputRate: rateAt(trace, t), backlog: job.backlog });
      if (target !== job.requested) job.request(target);
    }
  }
  return out;
}

describe('throughput on the first trusted window after a restart', () => {
  for (const name of ['step', 'partition-capped', 'daily']) {
    it(`is within 5 % of the true rate after every rescale of ${name}`, () => {
      const windows = firstWindowsAfterRescales(loadTrace(name));
      expect(windows.length).toBeGreaterThan(0);
      for (const w of windows) {
        expect(Math.abs(w.throughput / w.truth - 1), JSON.stringify(w)).toBeLessThanOrEqual(0.05);
      }
    });
  }

  it('where the mean of the refilling meters reads low (what the policy read before)', () => {
    const windows = firstWindowsAfterRescales(loadTrace('partition-capped'));
    const low = windows.filter((w) => w.meterMean < 0.9 * w.truth);
    // the first window spans 120 s from the restart: its first samples come from meters under 60 s old
    expect(low.length).toBeGreaterThan(0);
  });
});
