/** The backtest's pure parts: rebuilding input and capacity from a history, the mapping file, times. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { History } from '../src/backtest/history.js';
import { DEFAULT_METRIC_NAMES, flinkLabelValue, loadMetricNames, selector } from '../src/backtest/names.js';
import { rebuild } from '../src/backtest/rebuild.js';
import { traceOf } from '../src/backtest/replay.js';
import { durationOf, timeOf } from '../src/cli/backtest.js';

const N = 20;
const STEP = 60;
const filled = (f: (i: number) => number) => Float64Array.from({ length: N }, (_, i) => f(i));

function history(over: Partial<History> = {}): History {
  return {
    range: { start: 1_000_000, end: 1_000_000 + (N - 1) * STEP, step: STEP },
    processed: filled(() => 3000),
    processedFrom: 'flink_taskmanager_job_task_operator_numRecordsOut',
    // the backlog grows 600 records a step: 10 records/s more arrive than are read
    backlog: filled((i) => 600 * i),
    backlogFrom: 'flink_taskmanager_job_task_operator_pendingRecords',
    backlogEstimatedShare: filled(() => 0),
    busy: filled(() => 1000),
    busySeries: true,
    cpu: filled(() => 1),
    workers: filled(() => 3),
    workersFrom: 'jobmanager',
    stateBytes: 8 * 1024 ** 3,
    stateFrom: 'flink_jobmanager_job_lastCheckpointFullSize',
    ...over,
  };
}

describe('rebuild', () => {
  it('input = records read + backlog growth; capacity = read per busy second per worker; the real figures', () => {
    const r = rebuild(history());
    expect(r.inputRate[5]).toBeCloseTo(3010, 6);
    expect(r.inputRate[0]).toBe(3000);
    expect(r.capacityPerWorker).toBeCloseTo(1000, 6);
    expect(r.capacityFrom).toBe('busy-time');
    expect(r.stateGiB).toBe(8);
    expect(r.real.workerHours).toBeCloseTo((3 * (N - 1) * STEP) / 3600, 6);
    expect(r.real.sloAttainment).toBe(1);
    expect(r.caveats.filter((c) => !c.estimate)).toEqual([]);
    const trace = traceOf(r, {});
    expect(trace?.job).toMatchObject({
      capacityPerWorker: r.capacityPerWorker,
      initialWorkers: 3,
      stateMb: 8192,
    });
  });

  it('marks an estimated backlog share, and says what is missing without backlog or busy time', () => {
    const estimated = rebuild(history({ backlogEstimatedShare: filled((i) => (i === 3 ? 0.25 : 0)) }));
    expect(estimated.caveats.find((c) => c.figure === 'backlog')?.message).toMatch(
      /up to 25 % of the splits reported -1/,
    );

    const bare = rebuild(
      history({
        backlog: undefined,
        backlogFrom: undefined,
        backlogEstimatedShare: undefined,
        busy: undefined,
        cpu: filled(() => 0.05 + 0.95 * 0.75),
      }),
    );
    expect(bare.real.sloAttainment).toBeUndefined();
    expect(bare.caveats.find((c) => c.figure === 'backlog' && !c.estimate)?.message).toMatch(
      /no backlog series/,
    );
    expect(bare.caveats.find((c) => c.figure === 'input rate' && c.estimate)).toBeDefined();
    // 3000 records/s at 75 % of 3 workers' CPU: 1333 records/s per worker, from CPU
    expect(bare.capacityFrom).toBe('cpu');
    expect(bare.capacityPerWorker).toBeCloseTo(4000 / 3, 6);
    expect(bare.caveats.find((c) => c.figure === 'capacity per worker')?.message).toMatch(/NaN throughout/);

    const blind = rebuild(history({ busy: undefined, busySeries: false, cpu: undefined }));
    expect(blind.capacityPerWorker).toBeUndefined();
    expect(traceOf(blind, {})).toBeUndefined();
    expect(blind.caveats.find((c) => c.figure === 'capacity per worker' && !c.estimate)?.message).toMatch(
      /no busyTimeMsPerSecond series of the source task, and no TaskManager CPU series .* cannot be replayed/,
    );
  });

  it('leaves the minutes after a change of workers out of the capacity (restore reads busy ~1000 ms/s)', () => {
    const r = rebuild(
      history({
        // idle at 3 workers (left out: under 100 ms/s), then 6 workers restoring for 3 minutes, then steady
        workers: filled((i) => (i < 14 ? 3 : 6)),
        busy: filled((i) => (i < 14 ? 50 : i < 17 ? 1000 : 500)),
      }),
    );
    // counted, the restore's three points (500 per worker) would pull the median to 750
    expect(r.capacityPerWorker).toBeCloseTo(1000, 6);
    expect(r.real.rescales).toBe(1);
  });
});

describe('names and flags', () => {
  it('filters a job name as Flink does and builds selectors for names and ~regex families', () => {
    expect(flinkLabelValue('click stream/enrich v2')).toBe('click_stream_enrich_v2');
    expect(selector('~a_[0-9]+_b', ['job_name="j"'])).toBe('{__name__=~"a_[0-9]+_b",job_name="j"}');
    expect(selector('x', ['job_name="j"'])).toBe('x{job_name="j"}');
  });

  it('reads a mapping file over the defaults and refuses a bad one, naming the field', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fa-names-'));
    writeFileSync(join(dir, 'ok.json'), JSON.stringify({ jobLabel: 'flink_job', busyTime: 'busy' }));
    expect(loadMetricNames(join(dir, 'ok.json'))).toEqual({
      ...DEFAULT_METRIC_NAMES,
      jobLabel: 'flink_job',
      busyTime: 'busy',
    });
    writeFileSync(join(dir, 'bad.json'), JSON.stringify({ sourceCounters: [] }));
    expect(() => loadMetricNames(join(dir, 'bad.json'))).toThrow(/sourceCounters/);
    writeFileSync(join(dir, 'unknown.json'), JSON.stringify({ jobLable: 'x' }));
    expect(() => loadMetricNames(join(dir, 'unknown.json'))).toThrow(/jobLable|Unrecognized/);
  });

  it('reads times and steps', () => {
    expect(timeOf('--from', 'now-2h', 10_000)).toBe(2800);
    expect(timeOf('--from', '2026-01-01T00:00:00Z')).toBe(1767225600);
    expect(timeOf('--from', '1767225600')).toBe(1767225600);
    expect(() => timeOf('--from', 'yesterday')).toThrow(/--from must be/);
    expect(durationOf('--step', '5m')).toBe(300);
    expect(() => durationOf('--step', '0')).toThrow(/--step/);
  });
});
