/**
 * The collection stage against a small fake of Flink's REST API (issue 12): metric ids re-resolved when the
 * job's topology or parallelism changes, per-split completeness, unknown (-1) splits estimated, counters
 * read, staleness from the metrics' own change, and drop reasons that say what happened.
 *
 * The fake answers as Flink does (notes §2.3, §3.9): list mode gives the union of ids over the subtasks,
 * aggregated mode gives `[]` when any requested id has no value in any subtask, and every answer comes from
 * a metric store that is refreshed only when the test says so (Flink's MetricFetcher cache).
 */
import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { FlinkCollector, type Collected } from '../src/flink/collect.js';
import { fetchIntervalMs, parseFlinkDuration } from '../src/flink/flink-duration.js';
import type { FlinkHttp } from '../src/flink/http.js';

const JOB = 'a'.repeat(32);
const SOURCE = 'b'.repeat(32);
const SINK = 'c'.repeat(32);
const OP = 'Source__ReadFromKafka/KafkaIO_Read/KafkaIO_Read_ReadFromKafkaViaUnbounded/Read(K';
const split = (k: number) => `${OP}.source_splits_${k}_backlog_elements`;

type Metrics = Map<string, number>;

/** What the JobManager's metric store holds at one fetch. */
interface Store {
  subtasks: Metrics[];
  taskmanagers: Metrics[];
}

class FakeFlink {
  state = 'RUNNING';
  parallelism = 4;
  workers = 4;
  maxParallelism = 128;
  config: { key: string; value: string }[] = [
    { key: 'scheduler-mode', value: 'reactive' },
    { key: 'taskmanager.numberOfTaskSlots', value: '1' },
  ];
  /** Per split: its backlog (-1 = unknown). Split k runs in subtask k mod parallelism. */
  splits: number[] = [1000, 1000, 1000, 1000];
  /** Splits whose gauge the next fetch leaves out (their reader has not reported yet). */
  unreported = new Set<number>();
  /** Records per second read by the source; the counters grow by it. */
  rate = 400;
  cpuTime = true;
  /** Source ids without any backlog metric (a misconfigured job). */
  noBacklog = false;
  /** Fetches to come that find no task metrics at all (the tasks have just been restarted). */
  emptyFetches = 0;
  /** Answers of list mode that come back `[]`, by endpoint ('source' or 'taskmanagers'), in turn. */
  emptyLists: ('source' | 'taskmanagers')[] = [];
  time = 0;
  records = 0;
  /** Epoch ms the source's tasks started (vertex start-time), -1 for none. */
  tasksStarted = -1;
  requests: string[] = [];
  private store: Store = { subtasks: [], taskmanagers: [] };

  /** Virtual time passes; the job reads records. */
  advance(seconds: number): void {
    this.time += seconds;
    this.records += this.rate * seconds;
  }

  /** The MetricFetcher fetches: what the store holds from now on. */
  fetch(): void {
    const subtasks: Metrics[] = Array.from({ length: this.parallelism }, () => new Map());
    const taskmanagers = Array.from({ length: this.workers }, (_, i) => {
      const m: Metrics = new Map([['Status.JVM.CPU.Load', 0.5 + (this.time % 7) / 100 + i / 1000]]);
      if (this.cpuTime) m.set('Status.JVM.CPU.Time', this.time * 1e9 + i);
      return m;
    });
    if (this.emptyFetches > 0) {
      this.emptyFetches--;
      this.store = { subtasks: [], taskmanagers };
      return;
    }
    this.splits.forEach((backlog, k) => {
      if (this.noBacklog || this.unreported.has(k)) return;
      subtasks[k % this.parallelism]?.set(split(k), backlog);
    });
    subtasks.forEach((m) => {
      m.set(`${OP}.numRecordsOut`, Math.floor(this.records / this.parallelism));
      m.set(`${OP}.numRecordsOutPerSecond`, this.rate / this.parallelism);
      m.set(`${OP}.numRecordsIn`, 0);
      m.set('numRecordsIn', 0);
      m.set('busyTimeMsPerSecond', 500);
    });
    this.store = { subtasks, taskmanagers };
  }

  /** Advances and fetches: the usual step between two cycles. */
  step(seconds = 15): void {
    this.advance(seconds);
    this.fetch();
  }

  async get<T>(path: string, schema: z.ZodType<T>): Promise<T> {
    this.requests.push(path);
    return schema.parse(this.answer(path));
  }

  private answer(path: string): unknown {
    const [route = '', query = ''] = path.split('?');
    const params = new URLSearchParams(query);
    const vertex = (id: string) => ({
      id,
      name: id === SOURCE ? 'Source: ReadFromKafka -> Flat Map' : 'Sink: Kafka Sink',
      parallelism: this.parallelism,
      maxParallelism: this.maxParallelism,
      status: this.state === 'RUNNING' ? 'RUNNING' : 'CANCELING',
      'start-time': this.tasksStarted,
      tasks: { RUNNING: this.parallelism },
    });
    switch (route) {
      case '/jobs/overview':
        return { jobs: [{ jid: JOB, name: 'job', state: this.state, 'start-time': 1 }] };
      case `/jobs/${JOB}`:
        return {
          jid: JOB,
          name: 'job',
          state: this.state,
          timestamps: { RUNNING: Date.UTC(2026, 0, 1) - 60_000 },
          vertices: [vertex(SOURCE), vertex(SINK)],
          plan: { nodes: [{ id: SOURCE }, { id: SINK, inputs: [{ id: SOURCE }] }] },
        };
      case '/jobmanager/config':
        return this.config;
      case '/overview':
        return { taskmanagers: this.workers, 'slots-total': this.workers, 'slots-available': 0 };
      case `/jobs/${JOB}/vertices/${SOURCE}/subtasks/metrics`:
        return this.metrics('source', this.store.subtasks, params);
      case '/taskmanagers/metrics':
        return this.metrics('taskmanagers', this.store.taskmanagers, params);
      case `/jobs/${JOB}/vertices/${SOURCE}/metrics`:
        // list mode per subtask (the partition lister's): every id with its subtask's index in front
        return this.store.subtasks.flatMap((m, i) => [...m.keys()].map((id) => ({ id: `${i}.${id}` })));
      default:
        throw new Error(`the fake does not serve ${path}`);
    }
  }

  private metrics(endpoint: 'source' | 'taskmanagers', entities: Metrics[], params: URLSearchParams) {
    const get = params.get('get');
    if (get === null) {
      if (this.emptyLists[0] === endpoint) {
        this.emptyLists.shift();
        return [];
      }
      return [...new Set(entities.flatMap((m) => [...m.keys()]))].map((id) => ({ id }));
    }
    const rows = [];
    for (const id of get.split(',')) {
      const values = entities.flatMap((m) => (m.has(id) ? [m.get(id) as number] : []));
      if (values.length === 0) return []; // Flink: any id without a value anywhere → []
      const sum = values.reduce((a, b) => a + b, 0);
      rows.push({ id, min: Math.min(...values), max: Math.max(...values), avg: sum / values.length, sum });
    }
    return rows;
  }
}

function setUp(options: { maxUnknownSplitShare?: number } = {}) {
  const flink = new FakeFlink();
  const collector = new FlinkCollector(
    flink as unknown as FlinkHttp,
    () => Date.UTC(2026, 0, 1) + flink.time * 1000,
    options,
  );
  /** One cycle `seconds` after the last, the store fetched in between (as Flink's 10 s fetcher would). */
  const cycle = async (seconds = 15): Promise<Collected> => {
    flink.step(seconds);
    return collector.collect();
  };
  return { flink, collector, cycle };
}

/** Reactive Mode: one slot a TaskManager, so the parallelism follows the TaskManagers. */
function rescale(flink: FakeFlink, parallelism: number, splits: number, backlog = 1000): void {
  flink.parallelism = parallelism;
  flink.workers = parallelism;
  flink.splits = Array.from({ length: splits }, () => backlog);
}

describe('metric ids re-resolved when the job changes', () => {
  it('reads all 17 splits after a rescale from 4 to 17, though the old split ids stay valid', async () => {
    const { flink, cycle } = setUp();
    const before = await cycle();
    expect(before.sample?.sources[0]?.backlog).toBe(4000);
    // The rescale happens between two cycles (no RESTARTING seen); splits 0..3 still answer.
    rescale(flink, 17, 17);
    const after = await cycle();
    expect(after.dropped).toBeUndefined();
    expect(after.sample?.workers).toBe(17);
    expect(after.sample?.sources[0]?.backlog).toBe(17_000);
    expect(before.sample?.sources[0]?.splits).toEqual({ found: 4, expected: 4, unknown: 0 });
    expect(after.sample?.sources[0]?.splits).toEqual({ found: 17, expected: 17, unknown: 0 });
  });

  it('lists again when only the TaskManager count changes', async () => {
    const { flink, cycle } = setUp();
    flink.maxParallelism = 4; // the parallelism stays 4 when TaskManagers come
    await cycle();
    const lists = () =>
      flink.requests.filter((p) => p === `/jobs/${JOB}/vertices/${SOURCE}/subtasks/metrics`).length;
    const listed = lists();
    await cycle();
    expect(lists()).toBe(listed); // nothing changed: the ids are not listed again
    flink.workers = 6;
    flink.splits = Array.from({ length: 6 }, () => 1000);
    const c = await cycle();
    expect(lists()).toBe(listed + 1);
    expect(c.sample?.sources[0]).toMatchObject({ backlog: 6000, splits: { found: 6, expected: 6 } });
  });

  it('drops a sample with fewer split gauges than listed (splits-incomplete), then reads them whole', async () => {
    const { flink, cycle } = setUp();
    rescale(flink, 17, 17);
    expect((await cycle()).sample?.sources[0]?.splits).toEqual({ found: 17, expected: 17, unknown: 0 });
    flink.unreported = new Set([5]); // split 5's reader has not reported to this fetch
    const c = await cycle();
    expect(c.sample).toBeUndefined();
    expect(c.dropped?.reason).toBe('splits-incomplete');
    expect(c.dropped?.message).toMatch(/16 of 17/);
    flink.unreported = new Set();
    expect((await cycle()).sample?.sources[0]).toMatchObject({
      backlog: 17_000,
      splits: { found: 17, expected: 17, unknown: 0 },
    });
  });

  it('does not trust a listing with a gap in the split ids (a subtask that has not reported yet)', async () => {
    const { flink, cycle } = setUp();
    await cycle();
    rescale(flink, 17, 17);
    flink.unreported = new Set([5, 9]);
    const c = await cycle();
    expect(c.dropped?.reason).toBe('splits-incomplete');
    expect(c.dropped?.message).toMatch(/15 of 17/);
    flink.unreported = new Set();
    expect((await cycle()).sample?.sources[0]?.backlog).toBe(17_000);
  });
});

describe('the partition bound read from the splits (policy option P)', () => {
  it('as many splits as subtasks say nothing: Beam splits a source into min(parallelism, partitions)', async () => {
    const { flink, cycle } = setUp();
    rescale(flink, 17, 17);
    const after = await cycle();
    expect(after.sample?.sources[0]?.splits?.expected).toBe(17);
    expect(after.sample?.sources[0]?.partitions).toBeUndefined();
  });

  it('fewer splits than subtasks are the partition count', async () => {
    const { flink, cycle } = setUp();
    rescale(flink, 8, 6);
    const after = await cycle();
    expect(after.sample?.sources[0]?.partitions).toBe(6);
  });
});

describe('no job running', () => {
  it('is the job state Flink gave (the ended job’s), not data missing', async () => {
    const { flink, cycle } = setUp();
    flink.state = 'FINISHED';
    const collected = await cycle();
    expect(collected.dropped?.reason).toBe('no-job');
    expect(collected.jobState).toBe('FINISHED');
  });
});

describe('unknown (-1) splits', () => {
  it('are estimated as the mean of the known splits and flagged with their share', async () => {
    const { flink, cycle } = setUp();
    rescale(flink, 4, 8);
    flink.splits[3] = -1;
    flink.splits[7] = -1;
    const c = await cycle();
    expect(c.dropped).toBeUndefined();
    const source = c.sample?.sources[0];
    expect(source?.backlog).toBe(8000); // 6000 known over 6 splits, × 8
    expect(source?.splits).toEqual({ found: 8, expected: 8, unknown: 2 });
    expect(source?.estimatedShare).toBe(0.25);
  });

  it('above maxUnknownSplitShare the sample is not trusted', async () => {
    const { flink, cycle } = setUp();
    rescale(flink, 4, 8);
    for (const k of [0, 1, 2, 3, 4]) flink.splits[k] = -1;
    const c = await cycle();
    expect(c.sample).toBeUndefined();
    expect(c.dropped?.reason).toBe('unknown-share-too-high');
    expect(c.dropped?.message).toMatch(/5 of 8 splits/);

    const lenient = setUp({ maxUnknownSplitShare: 0.7 });
    rescale(lenient.flink, 4, 8);
    for (const k of [0, 1, 2, 3, 4]) lenient.flink.splits[k] = -1;
    const trusted = await lenient.cycle();
    expect(trusted.sample?.sources[0]).toMatchObject({ backlog: 8000, estimatedShare: 0.625 });
  });

  it('the share given to collect() wins over the constructor’s (the job’s annotation may change it)', async () => {
    const { flink, collector } = setUp({ maxUnknownSplitShare: 0.7 });
    rescale(flink, 4, 8);
    for (const k of [0, 1, 2, 3, 4]) flink.splits[k] = -1;
    flink.step();
    expect((await collector.collect({ maxUnknownSplitShare: 0.5 })).dropped?.reason).toBe(
      'unknown-share-too-high',
    );
  });

  it('every split unknown stays backlog-unknown', async () => {
    const { flink, cycle } = setUp({ maxUnknownSplitShare: 1 });
    flink.splits = [-1, -1, -1, -1];
    expect((await cycle()).dropped?.reason).toBe('backlog-unknown');
  });
});

describe('when the run began', () => {
  it('is the latest start of the source tasks, else when the job entered RUNNING', async () => {
    const { flink, cycle } = setUp();
    expect((await cycle()).sample?.runningSince).toBe(Date.UTC(2026, 0, 1) - 60_000);
    flink.tasksStarted = Date.UTC(2026, 0, 1) + 20_000;
    expect((await cycle()).sample?.runningSince).toBe(Date.UTC(2026, 0, 1) + 20_000);
  });
});

describe('counters', () => {
  it('reads the cumulative counter next to the meter: count is its sum, rate stays the meter', async () => {
    const { flink, cycle } = setUp();
    const c = await cycle();
    const source = c.sample?.sources[0];
    expect(source?.rate).toBe(400);
    expect(source?.count).toBe(4 * Math.floor(flink.records / 4));
  });
});

describe('staleness', () => {
  it('a start-up [] listing of the TaskManagers does not switch the CPU.Time check off', async () => {
    const { flink, collector, cycle } = setUp();
    flink.emptyLists = ['taskmanagers'];
    await cycle();
    await cycle();
    expect(flink.requests.at(-1)).toContain('Status.JVM.CPU.Time');
    // The fetcher is stuck: 15 s later the store holds the same figures.
    flink.advance(15);
    const c = await collector.collect();
    expect(c.dropped?.reason).toBe('stale');
  });

  it('without CPU.Time, a sample identical to the last within the fetch interval is stale', async () => {
    const { flink, collector, cycle } = setUp();
    flink.cpuTime = false;
    await cycle();
    expect((await cycle()).sample).toBeDefined();
    flink.advance(5); // within Flink's 10 s cache: the same store answers
    const c = await collector.collect();
    expect(c.dropped?.reason).toBe('stale');
  });

  it('reads the fetch interval from the JobManager config (30 s: identical 15 s later is stale)', async () => {
    const { flink, collector, cycle } = setUp();
    flink.cpuTime = false;
    flink.config.push({ key: 'metrics.fetcher.update-interval', value: '30 s' });
    await cycle();
    flink.advance(15);
    expect((await collector.collect()).dropped?.reason).toBe('stale');
  });

  it('an idle job that repeats its figures after the fetch interval is not stale', async () => {
    const { flink, collector, cycle } = setUp();
    flink.cpuTime = false;
    flink.rate = 0;
    flink.splits = [0, 0, 0, 0];
    await cycle();
    flink.advance(15);
    flink.time -= 15; // the same CPU figures too
    flink.fetch();
    flink.time += 15;
    const c = await collector.collect();
    expect(c.dropped).toBeUndefined();
    expect(c.sample).toBeDefined();
  });

  it('a job that reads records but whose counter has not moved for longer than the interval is stale', async () => {
    const { flink, collector, cycle } = setUp();
    flink.cpuTime = false;
    await cycle();
    flink.advance(15);
    const c = await collector.collect();
    expect(c.dropped?.reason).toBe('stale');
  });
});

describe('drop reasons that say what happened', () => {
  it('the [] listing right after a restart is restarting-metrics-not-yet-listed, not no-backlog-metric', async () => {
    const { flink, cycle } = setUp();
    expect((await cycle()).sample).toBeDefined();
    flink.state = 'RESTARTING';
    expect((await cycle()).jobState).toBe('RESTARTING');
    flink.state = 'RUNNING';
    rescale(flink, 6, 6);
    flink.emptyFetches = 2; // the new tasks have not reported to the next two fetches
    for (let i = 0; i < 2; i++) {
      const c = await cycle();
      expect(c.sample).toBeUndefined();
      expect(c.dropped?.reason).toBe('restarting-metrics-not-yet-listed');
    }
    expect((await cycle()).sample?.sources[0]?.backlog).toBe(6000);
  });

  it('a listing without any backlog metric stays no-backlog-metric', async () => {
    const { flink, cycle } = setUp();
    flink.noBacklog = true;
    expect((await cycle()).dropped?.reason).toBe('no-backlog-metric');
  });

  it('a [] listing long after the job started running is metrics-missing', async () => {
    const { flink, cycle } = setUp();
    expect((await cycle()).sample).toBeDefined();
    for (let i = 0; i < 8; i++) await cycle();
    flink.unreported = new Set([0, 1, 2, 3]);
    flink.noBacklog = false;
    flink.emptyLists = ['source', 'source'];
    const c = await cycle();
    expect(c.dropped?.reason).toBe('metrics-missing');
  });
});

describe("Flink's durations (metrics.fetcher.update-interval)", () => {
  it.each([
    ['10 s', 10_000],
    ['10s', 10_000],
    ['10000', 10_000],
    ['500 ms', 500],
    ['1 min', 60_000],
    ['2 h', 7_200_000],
    ['0 s', 0],
  ])('%s is %d ms', (text, ms) => {
    expect(parseFlinkDuration(text)).toBe(ms);
  });

  it('falls back to 10 s when absent or not a duration', () => {
    expect(parseFlinkDuration('ten seconds')).toBeUndefined();
    expect(fetchIntervalMs([])).toBe(10_000);
    expect(fetchIntervalMs([{ key: 'metrics.fetcher.update-interval', value: 'soon' }])).toBe(10_000);
    expect(fetchIntervalMs([{ key: 'metrics.fetcher.update-interval', value: '30 s' }])).toBe(30_000);
  });
});
