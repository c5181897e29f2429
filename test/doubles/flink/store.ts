/**
 * The JobManager's metric store and its MetricFetcher: a snapshot refreshed at most every update interval,
 * after the request it answers.
 */

/** A metric as the TaskManager reports it: Java long, Java double, or text (a boolean, a distribution). */
export type MetricValue =
  { kind: 'long'; value: number } | { kind: 'double'; value: number } | { kind: 'text'; value: string };

/** One component's metrics (a subtask, a TaskManager, the JobManager, a job), id → value, in store order. */
export type MetricMap = Map<string, MetricValue>;

export interface MetricSnapshot {
  /** Virtual second it was fetched (undefined: never fetched, the store is empty). */
  fetchedAt: number | undefined;
  jobmanager: MetricMap;
  taskmanagers: Map<string, MetricMap>;
  jobs: Map<string, MetricMap>;
  /**
   * jobId → vertexId → subtask index → metrics (ids without the `<i>.` prefix). Read-only: the subtasks of a
   * middle vertex may share one map.
   */
  tasks: Map<string, Map<string, Map<number, MetricMap>>>;
}

export function emptySnapshot(): MetricSnapshot {
  return {
    fetchedAt: undefined,
    jobmanager: new Map(),
    taskmanagers: new Map(),
    jobs: new Map(),
    tasks: new Map(),
  };
}

export const long = (value: number): MetricValue => ({ kind: 'long', value });
export const double = (value: number): MetricValue => ({ kind: 'double', value });
export const text = (value: string): MetricValue => ({ kind: 'text', value });

/**
 * Flink's `MetricFetcherImpl.update()`: a request is answered from the store as it is, and only then, if more
 * than the update interval has passed since the last fetch, a fetch refreshes it (asynchronously in Flink).
 * The store starts empty, so the first request after the JobManager starts gets no metrics.
 */
export class MetricFetcher {
  private snapshot: MetricSnapshot = emptySnapshot();
  private lastUpdate = -Infinity;
  private readonly intervalSeconds: number;
  private readonly fetch: () => MetricSnapshot;
  private readonly clock: () => number;

  constructor(intervalSeconds: number, fetch: () => MetricSnapshot, clock: () => number) {
    this.intervalSeconds = intervalSeconds;
    this.fetch = fetch;
    this.clock = clock;
  }

  /** The store a request sees now; refreshes it afterwards if it is stale. */
  read(): MetricSnapshot {
    if (this.intervalSeconds === 0) return this.refresh();
    const answer = this.snapshot;
    if (this.clock() - this.lastUpdate > this.intervalSeconds) this.refresh();
    return answer;
  }

  /** Fetches now, whatever the interval. */
  refresh(): MetricSnapshot {
    this.lastUpdate = this.clock();
    this.snapshot = this.fetch();
    return this.snapshot;
  }

  /** The store as it is, without counting as a request. */
  peek(): MetricSnapshot {
    return this.snapshot;
  }
}
