/**
 * `startFlinkDouble`: an express server on 127.0.0.1 answering as the JobManager of a Reactive Mode
 * application cluster, driven in virtual time.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type NextFunction, type Request, type Response } from 'express';
import type { FluidJob } from '../../../sidecar/src/simulation/job.js';
import { seededNoise } from '../../../sidecar/src/simulation/random.js';
import { fetchMetrics } from './catalogue.js';
import { SimulatedCluster, type SimulatedJobStatus } from './cluster.js';
import { faultMiddleware, type FaultState } from './faults.js';
import { sendError } from './http.js';
import { FAULT_MODES, resolveOptions, type FaultMode, type FlinkDoubleOptions } from './options.js';
import { metricRoutes } from './routes-metrics.js';
import { restRoutes } from './routes-rest.js';
import { MetricFetcher, type MetricSnapshot } from './store.js';
import { topology, type Topology } from './topology.js';
import { TransientFaults, type TransientFailures, type TransientKind } from './transient.js';
import type { View } from './view.js';

/** A request the double received: for tests of how often and what a client asks. */
export interface RecordedRequest {
  method: string;
  /** Path and query as sent, e.g. `/v1/jobs/overview`. */
  url: string;
  /** Virtual second it arrived. */
  time: number;
  fault: FaultMode;
  /** The transient failure it got (transientFailures), if any. */
  transient?: TransientKind;
}

/** The job as it was when the metric store fetched (what every answer until the next fetch shows). */
export interface FetchTruth {
  /** Virtual second of the fetch. */
  time: number;
  /** Epoch ms of the fetch (on the double's clock). */
  epochMs: number;
  /** The true backlog, records. */
  backlog: number;
  /** Records processed since virtual second 0. */
  processed: number;
  /** Parallelism and splits of the running tasks (0 while none run). */
  parallelism: number;
  splits: number;
  /** Whether the running tasks' metrics were registered (in the store) at this fetch. */
  registered: boolean;
}

export interface FlinkDouble {
  /** `http://127.0.0.1:<port>` (no trailing slash). */
  readonly url: string;
  readonly port: number;
  /** The fluid model behind the job (backlog, active workers, processed, cpu, busy). */
  readonly job: FluidJob;
  /** The cluster around it: restarts, attempts, TaskManagers, checkpoints. */
  readonly cluster: SimulatedCluster;
  readonly jobId: string;
  /** Vertex ids and names, operator id parts, and the throughput and backlog metric ids. */
  readonly topology: Topology;
  /** Virtual seconds since the start. */
  readonly time: number;
  /** The job status the JobManager reports, faults aside. */
  readonly status: SimulatedJobStatus;
  readonly fault: FaultMode;
  readonly requests: readonly RecordedRequest[];
  /** The last 2000 fetches of the metric store, oldest first, with the job's truth at each. */
  readonly fetches: readonly FetchTruth[];
  /** Requests that failed transiently so far, by kind, and how many matched the failing endpoints. */
  readonly transientFailures: { failed: Readonly<Record<TransientKind, number>>; matched: number };
  /** Changes the transient failures (undefined: none). */
  setTransientFailures(spec: TransientFailures | undefined): void;
  /** Moves virtual time on; the job steps once per whole second. */
  advance(seconds: number): void;
  /** Plays the operator scaling the TaskManagers to n: a Reactive Mode restart on n TaskManagers. */
  setReplicas(n: number): void;
  /** Switches the fault mode; resolves once the listener is closed ('down') or open again. */
  setFault(mode: FaultMode, options?: { slowMs?: number; leavingTaskManagers?: number }): Promise<void>;
  /** Makes the metric store fetch now (as if a request had come in after the update interval). */
  refreshMetrics(): MetricSnapshot;
  close(): Promise<void>;
}

function listen(server: Server, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
}

/** How long coming back up ('down' lifted) waits for its port, should another listener hold it meanwhile. */
const RELISTEN_MS = 5000;

/**
 * Listens on the port the double had (its URL names it, as a Service names a restarted JobManager's), trying
 * again every 50 ms while another listener holds it; a clear error once RELISTEN_MS have passed.
 */
async function listenAgain(server: Server, port: number): Promise<void> {
  const until = Date.now() + RELISTEN_MS;
  for (;;) {
    try {
      return await listen(server, port);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE' || Date.now() >= until) {
        throw new Error(
          `the Flink double cannot listen on its port ${port} again: ${(error as Error).message}`,
          { cause: error },
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

function stop(server: Server): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) return resolve();
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

/** Starts the double on an ephemeral port of 127.0.0.1. */
export async function startFlinkDouble(options: FlinkDoubleOptions = {}): Promise<FlinkDouble> {
  const resolved = resolveOptions(options);
  const cluster = new SimulatedCluster(resolved);
  const topo = topology(resolved);
  const noise = resolved.noise === undefined ? undefined : seededNoise(resolved.noise.seed);
  // A stream of its own for the middle vertices, so that adding them leaves the other values of a seed alone.
  const middleNoise =
    resolved.noise === undefined ? undefined : seededNoise(resolved.noise.seed ^ 0x6d1dd1e5);
  const fetches: FetchTruth[] = [];
  const fetcher = new MetricFetcher(
    resolved.fetchIntervalSeconds,
    () => {
      const snapshot = fetchMetrics(cluster, topo, noise, middleNoise);
      const attempt = cluster.attempt;
      fetches.push({
        time: cluster.now,
        epochMs: cluster.epochMs(cluster.now),
        backlog: cluster.job.backlog,
        processed: cluster.totalProcessed,
        parallelism: attempt?.parallelism ?? 0,
        splits: attempt?.splitCount ?? 0,
        registered: snapshot.tasks.get(resolved.jobId)?.has(topo.source.id) ?? false,
      });
      if (fetches.length > 2000) fetches.splice(0, fetches.length - 2000);
      return snapshot;
    },
    () => cluster.now,
  );
  const transient = new TransientFaults(resolved.transientFailures, () => cluster.now);
  const faults: FaultState = {
    mode: 'none',
    slowMs: resolved.slowMs,
    leavingTaskManagers: resolved.leavingTaskManagers,
  };
  const timers = new Set<NodeJS.Timeout>();
  const requests: RecordedRequest[] = [];

  const view = (): View => {
    const tms = cluster.taskManagers;
    const leaving =
      faults.mode !== 'taskmanagers-leaving' ? 0 : (faults.leavingTaskManagers ?? Math.ceil(tms.length / 2));
    let metrics: MetricSnapshot | undefined;
    return {
      cluster,
      topo,
      status:
        faults.mode === 'restarting' || faults.mode === 'taskmanagers-leaving'
          ? 'RESTARTING'
          : cluster.status,
      taskManagers: tms.slice(0, Math.max(0, tms.length - leaving)),
      metrics: () => (metrics ??= fetcher.read()),
    };
  };

  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  const recorded = new WeakMap<Request, RecordedRequest>();
  app.use((req, _res, next) => {
    const record: RecordedRequest = {
      method: req.method,
      url: req.originalUrl,
      time: cluster.now,
      fault: faults.mode,
    };
    requests.push(record);
    recorded.set(req, record);
    next();
  });
  app.use(faultMiddleware(faults, timers));
  app.use(
    transient.middleware((req, kind) => {
      const record = recorded.get(req);
      if (record !== undefined) record.transient = kind;
    }),
  );
  for (const prefix of ['/v1', '/']) {
    app.use(
      prefix,
      metricRoutes(view, () => faults.mode),
    );
    app.use(prefix, restRoutes(view));
  }
  app.use((req: Request, res: Response) => sendError(res, 404, `Not found: ${req.path}`));
  app.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    sendError(res, 500, `Internal server error: ${err instanceof Error ? err.message : String(err)}`);
  });

  const server = createServer(app);
  await listen(server, 0);
  const port = (server.address() as AddressInfo).port;
  let closed = false;

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    job: cluster.job,
    cluster,
    jobId: resolved.jobId,
    topology: topo,
    get time() {
      return cluster.now;
    },
    get status() {
      return cluster.status;
    },
    get fault() {
      return faults.mode;
    },
    requests,
    fetches,
    transientFailures: transient,
    setTransientFailures: (spec) => transient.set(spec),
    advance: (seconds) => cluster.advance(seconds),
    setReplicas: (n) => cluster.setReplicas(n),
    refreshMetrics: () => fetcher.refresh(),
    async setFault(mode, opts = {}) {
      if (!FAULT_MODES.includes(mode)) throw new RangeError(`unknown fault mode ${String(mode)}`);
      if (closed) throw new Error('the Flink double is closed');
      faults.mode = mode;
      if (opts.slowMs !== undefined) faults.slowMs = opts.slowMs;
      if (opts.leavingTaskManagers !== undefined) faults.leavingTaskManagers = opts.leavingTaskManagers;
      if (mode === 'down') {
        for (const timer of timers) clearTimeout(timer);
        timers.clear();
        await stop(server);
      } else if (!server.listening) {
        await listenAgain(server, port);
      }
    },
    async close() {
      closed = true;
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      await stop(server);
    },
  };
}
