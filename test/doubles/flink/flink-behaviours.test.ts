/**
 * The Flink and Beam behaviours issue 12 needs from the double, each tested on its own: Beam's per-split gauges
 * under a truncated operator name, split ids that stay valid after a rescale while new ones appear only in the
 * listing, -1 splits, counters that restart at zero with meters refilling from zero, `[]` while a new attempt's
 * metrics are not registered, the fetcher's 10 s cache, transient failures of single endpoints at a rate, and
 * TaskManagers without `Status.JVM.CPU.Time`.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { startFlinkDouble, type FlinkDouble, type FlinkDoubleOptions } from './index.js';

type Item = { id: string; value?: string } & Record<string, unknown>;

const doubles: FlinkDouble[] = [];
async function start(options: FlinkDoubleOptions = {}): Promise<FlinkDouble> {
  const d = await startFlinkDouble(options);
  doubles.push(d);
  return d;
}
afterAll(async () => {
  await Promise.all(doubles.map((d) => d.close()));
});

async function json<T>(d: FlinkDouble, path: string): Promise<T> {
  const res = await fetch(d.url + path);
  const text = await res.text();
  expect(res.status, `${path}: ${text}`).toBe(200);
  return JSON.parse(text) as T;
}

const source = (d: FlinkDouble) => `/jobs/${d.jobId}/vertices/${d.topology.source.id}`;
const get = (ids: string[], agg = 'sum,min') =>
  `?get=${ids.map((id) => encodeURIComponent(id)).join(',')}&agg=${agg}`;
const BEAM_OP = 'Source__ReadFromKafka/KafkaIO_Read/KafkaIO_Read_ReadFromKafkaViaUnbounded/Read(K';
const splitId = (k: number) => `${BEAM_OP}.source_splits_${k}_backlog_elements`;
const splitsListed = async (d: FlinkDouble) =>
  (await json<Item[]>(d, `${source(d)}/subtasks/metrics`))
    .map((m) => /source_splits_(\d+)_backlog_elements$/.exec(m.id)?.[1])
    .filter((k): k is string => k !== undefined)
    .map(Number)
    .sort((a, b) => a - b);

/** Runs the double until the job RUNS again after a rescale. */
function runUntilRunning(d: FlinkDouble, limit = 300): void {
  for (let t = 0; t < limit && (d.status !== 'RUNNING' || d.cluster.attempt === undefined); t++) d.advance(1);
  expect(d.status).toBe('RUNNING');
}

describe('a Beam KafkaIO job whose splits follow the parallelism (splitsFollowParallelism)', () => {
  const options: FlinkDoubleOptions = {
    backlog: 'beam-splits',
    splitsFollowParallelism: true,
    unknownSplits: [],
    slotsPerTaskManager: 1,
    jobShape: { initialWorkers: 4, capacityPerWorker: 1000, stateMb: 0 },
    input: 12_000,
    fetchIntervalSeconds: 0,
  };

  it('reports one gauge per split under the operator name cut to 80 characters', async () => {
    const d = await start(options);
    d.advance(30);
    expect(await splitsListed(d)).toEqual([0, 1, 2, 3]);
    expect(d.topology.source.operatorParts[0]).toBe(BEAM_OP);
    expect(BEAM_OP).toHaveLength(80);
    expect(d.topology.metricIds.backlog).toEqual([0, 1, 2, 3].map(splitId));
  });

  it('after a rescale from 4 to 17, the old ids 0..3 still answer and 4..16 appear only in the listing', async () => {
    const d = await start(options);
    d.advance(30);
    const old = [0, 1, 2, 3].map(splitId);
    const before = await json<Item[]>(d, `${source(d)}/subtasks/metrics${get(old)}`);
    expect(before).toHaveLength(4);
    d.setReplicas(17);
    d.advance(31);
    runUntilRunning(d);
    d.advance(1);
    // The cached query of the old ids answers as before: no `[]` to warn that 13 splits are missing.
    const after = await json<Item[]>(d, `${source(d)}/subtasks/metrics${get(old)}`);
    expect(after.map((r) => r.id).sort()).toEqual([...old].sort());
    const readOld = after.reduce((s, r) => s + Number(r.sum), 0);
    expect(await splitsListed(d)).toEqual(Array.from({ length: 17 }, (_, k) => k));
    const all = Array.from({ length: 17 }, (_, k) => splitId(k));
    const whole = await json<Item[]>(d, `${source(d)}/subtasks/metrics${get(all)}`);
    const readAll = whole.reduce((s, r) => s + Number(r.sum), 0);
    expect(readAll).toBeCloseTo(d.job.backlog, -1);
    expect(readOld / readAll).toBeCloseTo(4 / 17, 2);
    const job = await json<{ vertices: { parallelism: number }[] }>(d, `/jobs/${d.jobId}`);
    expect(job.vertices.map((v) => v.parallelism)).toEqual([17, 17]);
  });

  it('keeps N fixed at submission by default: a rescale moves the splits between subtasks', async () => {
    const d = await start({ ...options, splitsFollowParallelism: undefined, splits: 8 });
    d.advance(30);
    expect(await splitsListed(d)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    d.setReplicas(6);
    d.advance(31);
    runUntilRunning(d);
    d.advance(1);
    expect(await splitsListed(d)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
  });
});

describe('splits reporting -1 (unknown)', () => {
  it('report -1 for the unknown splits and the true share for the others', async () => {
    const d = await start({
      backlog: 'beam-splits',
      splits: 8,
      unknownSplits: [2, 5],
      input: 3000,
      jobShape: { initialWorkers: 2 },
      fetchIntervalSeconds: 0,
    });
    d.advance(60);
    const rows = await json<Item[]>(
      d,
      `${source(d)}/subtasks/metrics${get(
        Array.from({ length: 8 }, (_, k) => splitId(k)),
        'min,sum',
      )}`,
    );
    const byId = new Map(rows.map((r) => [r.id, r]));
    for (const k of [2, 5]) expect(byId.get(splitId(k))).toMatchObject({ min: -1, sum: -1 });
    const known = [0, 1, 3, 4, 6, 7].map((k) => Number(byId.get(splitId(k))?.sum));
    const perSplit = d.job.backlog / 8;
    for (const v of known) expect(v).toBeCloseTo(perSplit, -1);
    // Estimated as the mean per known split times all splits, the backlog is whole again.
    const estimate = (known.reduce((a, b) => a + b, 0) / known.length) * 8;
    expect(estimate).toBeCloseTo(d.job.backlog, -1);
  });
});

describe('counters restart at zero with the tasks, 60 s meters refill from zero', () => {
  const sumOf = async (d: FlinkDouble, id: string) =>
    Number((await json<Item[]>(d, `${source(d)}/subtasks/metrics${get([id], 'sum')}`))[0]?.sum);

  it('numRecordsOut, numRecordsIn (FLIP-27 source) and the meter after a rescale', async () => {
    const d = await start({
      input: 1200,
      slotsPerTaskManager: 1,
      jobShape: { initialWorkers: 2, stateMb: 0 },
      fetchIntervalSeconds: 0,
    });
    d.advance(120);
    const out = 'Source__Kafka_Source.numRecordsOut';
    const inn = 'Source__Kafka_Source.numRecordsIn';
    const meter = 'Source__Kafka_Source.numRecordsOutPerSecond';
    expect(await sumOf(d, out)).toBeCloseTo(120 * 1200, -2);
    expect(await sumOf(d, inn)).toBeCloseTo(120 * 1200, -2);
    expect(await sumOf(d, meter)).toBeCloseTo(1200, 6);
    d.setReplicas(3);
    d.advance(31);
    runUntilRunning(d);
    const start0 = d.cluster.attempt?.start ?? 0;
    d.advance(20 - (d.time - start0));
    // 20 s after the restart: the counter holds 20 s of records, the meter a third of the rate at most.
    const processed = d.cluster.attempt?.processedAt(d.time) ?? 0;
    expect(await sumOf(d, out)).toBeCloseTo(processed, -1);
    expect(await sumOf(d, inn)).toBeCloseTo(processed, -1);
    const rate = processed / 20;
    expect(await sumOf(d, meter)).toBeLessThan(rate / 2);
    d.advance(60);
    const later = d.cluster.attempt?.processedAt(d.time) ?? 0;
    const now = d.cluster.attempt?.processedAt(d.time - 60) ?? 0;
    expect(await sumOf(d, meter)).toBeCloseTo((later - now) / 60, -1);
  });

  it("Beam's source_elements_read restarts at zero too", async () => {
    const d = await start({
      backlog: 'beam-splits',
      splits: 4,
      input: 1000,
      slotsPerTaskManager: 1,
      jobShape: { initialWorkers: 2, stateMb: 0 },
      fetchIntervalSeconds: 0,
    });
    const id = `${BEAM_OP}.source_elements_read`;
    d.advance(100);
    const before = await sumOf(d, id);
    expect(before).toBeCloseTo(100_000, -2);
    d.setReplicas(1);
    runUntilRunning(d);
    d.advance(10);
    const after = await sumOf(d, id);
    expect(after).toBeLessThan(before / 5);
    expect(after).toBeCloseTo(d.cluster.attempt?.processedAt(d.time) ?? NaN, -1);
  });
});

describe('[] while a new attempt’s metrics are not registered (metricsRegistrationSeconds)', () => {
  it('answers [] to queries and lists nothing until the metrics register, then answers whole', async () => {
    const d = await start({
      input: 1000,
      slotsPerTaskManager: 1,
      jobShape: { initialWorkers: 2, stateMb: 0 },
      fetchIntervalSeconds: 0,
      metricsRegistrationSeconds: 8,
    });
    const throughput = d.topology.metricIds.sourceThroughput;
    d.advance(30);
    expect(await json<Item[]>(d, `${source(d)}/subtasks/metrics${get([throughput])}`)).toHaveLength(1);
    d.setReplicas(1);
    runUntilRunning(d);
    const started = d.cluster.attempt?.start ?? 0;
    d.advance(started + 3 - d.time);
    expect(d.status).toBe('RUNNING');
    expect(await json<Item[]>(d, `${source(d)}/subtasks/metrics${get([throughput])}`)).toEqual([]);
    expect(await json<Item[]>(d, `${source(d)}/subtasks/metrics`)).toEqual([]);
    d.advance(started + 8 - d.time);
    expect(await json<Item[]>(d, `${source(d)}/subtasks/metrics${get([throughput])}`)).toHaveLength(1);
    expect(d.fetches.at(-1)).toMatchObject({ registered: true, parallelism: 1 });
    expect(d.fetches.some((f) => !f.registered && f.time > started)).toBe(true);
  });
});

describe('the metric fetcher’s 10 s cache', () => {
  it('answers identically within the interval, counters and meters alike, and refreshes after it', async () => {
    const d = await start({ input: 1500, jobShape: { initialWorkers: 2 } });
    const ids = ['Source__Kafka_Source.numRecordsOut', 'Source__Kafka_Source.numRecordsOutPerSecond'];
    const path = `${source(d)}/subtasks/metrics${get(ids, 'sum')}`;
    d.advance(60);
    d.refreshMetrics();
    const first = await json<Item[]>(d, path);
    d.advance(4);
    expect(await json<Item[]>(d, path)).toEqual(first);
    d.advance(6);
    expect(await json<Item[]>(d, path)).toEqual(first);
    d.advance(0.5);
    // The request after the interval is still answered from the store, and refreshes it afterwards.
    expect(await json<Item[]>(d, path)).toEqual(first);
    const fresh = await json<Item[]>(d, path);
    expect(fresh).not.toEqual(first);
    expect(Number(fresh[0]?.sum)).toBeGreaterThan(Number(first[0]?.sum));
  });
});

describe('transient failures of single endpoints (transientFailures)', () => {
  it('fails about `rate` of the requests to /jobs/overview and /jobs/:jobid with 500, 503 or a reset, and nothing else', async () => {
    const d = await start({ transientFailures: { rate: 0.3, seed: 7 } });
    const outcomes: Record<string, number> = {};
    const n = 400;
    for (let i = 0; i < n; i++) {
      const path = i % 2 === 0 ? '/jobs/overview' : `/v1/jobs/${d.jobId}`;
      const outcome = await fetch(d.url + path).then(
        async (r) => {
          const body = (await r.json()) as { errors?: string[] };
          if (r.status !== 200) expect(body.errors?.length).toBeGreaterThan(0);
          return String(r.status);
        },
        () => 'reset',
      );
      outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
    }
    const failed = n - (outcomes['200'] ?? 0);
    expect(failed / n).toBeGreaterThan(0.22);
    expect(failed / n).toBeLessThan(0.38);
    for (const kind of ['500', '503', 'reset']) expect(outcomes[kind] ?? 0).toBeGreaterThan(10);
    expect(d.transientFailures.matched).toBe(n);
    expect(d.requests.filter((r) => r.transient !== undefined)).toHaveLength(failed);
    // Other endpoints are untouched.
    for (let i = 0; i < 50; i++) {
      expect((await fetch(`${d.url}/overview`)).status).toBe(200);
      expect((await fetch(`${d.url}${source(d)}/subtasks/metrics`)).status).toBe(200);
    }
  });

  it('repeats the same failures for the same seed, takes other endpoints, and can be switched off', async () => {
    const draw = async (d: FlinkDouble) => {
      const statuses: string[] = [];
      for (let i = 0; i < 40; i++)
        statuses.push(
          await fetch(`${d.url}/taskmanagers`).then(
            (r) => String(r.status),
            () => 'reset',
          ),
        );
      return statuses;
    };
    const spec = { rate: 0.5, seed: 3, endpoints: ['/taskmanagers'], kinds: ['503' as const] };
    const a = await start({ transientFailures: spec });
    const b = await start({ transientFailures: spec });
    const drawn = await draw(a);
    expect(drawn).toEqual(await draw(b));
    expect(new Set(drawn)).toEqual(new Set(['200', '503']));
    a.setTransientFailures(undefined);
    expect(new Set(await draw(a))).toEqual(new Set(['200']));
    expect(() => a.setTransientFailures({ rate: 2 })).toThrow(RangeError);
  });
});

describe('transient failures in bursts (transientFailures.burstSeconds)', () => {
  it('fails a whole slot of an endpoint, so a quick retry fails too, for about `rate` of the time', async () => {
    const d = await start({
      transientFailures: { rate: 0.3, seed: 5, burstSeconds: 2, kinds: ['500', 'reset'] },
    });
    const status = (path: string) =>
      fetch(d.url + path).then(
        (r) => String(r.status),
        () => 'reset',
      );
    let failedSlots = 0;
    const slots = 300;
    for (let slot = 0; slot < slots; slot++) {
      const first = await status('/jobs/overview');
      const retry = await status('/jobs/overview');
      const again = await status('/v1/jobs/overview');
      // Within a slot the answer does not change: a retry meets the same failure.
      expect([retry, again]).toEqual([first, first]);
      if (first !== '200') failedSlots++;
      d.advance(2);
    }
    expect(failedSlots / slots).toBeGreaterThan(0.22);
    expect(failedSlots / slots).toBeLessThan(0.38);
    // Each endpoint has its own bursts.
    const jobFailures: boolean[] = [];
    const overviewFailures: boolean[] = [];
    for (let slot = 0; slot < 100; slot++) {
      overviewFailures.push((await status('/jobs/overview')) !== '200');
      jobFailures.push((await status(`/jobs/${d.jobId}`)) !== '200');
      d.advance(2);
    }
    expect(jobFailures).not.toEqual(overviewFailures);
    expect(() => d.setTransientFailures({ rate: 0.1, burstSeconds: -1 })).toThrow(RangeError);
  });
});

describe('TaskManagers without Status.JVM.CPU.Time (cpuTime: false)', () => {
  it('list and answer the CPU load but not the CPU time; the aggregate with both answers []', async () => {
    const d = await start({ cpuTime: false, fetchIntervalSeconds: 0, input: 1000 });
    d.advance(30);
    const listed = (await json<Item[]>(d, '/taskmanagers/metrics')).map((m) => m.id);
    expect(listed).toContain('Status.JVM.CPU.Load');
    expect(listed).not.toContain('Status.JVM.CPU.Time');
    expect(
      await json<Item[]>(d, `/taskmanagers/metrics${get(['Status.JVM.CPU.Load', 'Status.JVM.CPU.Time'])}`),
    ).toEqual([]);
    const [load] = await json<Item[]>(d, `/taskmanagers/metrics${get(['Status.JVM.CPU.Load'], 'avg')}`);
    expect(load?.avg).toBeCloseTo(d.job.cpu, 6);
    const withTime = await start({ fetchIntervalSeconds: 0 });
    expect((await json<Item[]>(withTime, '/taskmanagers/metrics')).map((m) => m.id)).toContain(
      'Status.JVM.CPU.Time',
    );
  });
});
