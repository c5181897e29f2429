/**
 * The real `flink-autoscaler sidecar` process against the Flink and Kubernetes doubles, scraped by a real
 * Prometheus (Debian's): a PromQL query returns every signal, labelled by job.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SIDECAR_NODE_OPTIONS } from '../../sidecar/src/injector/settings.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { startFlinkDouble, type FlinkDouble } from '../doubles/flink/index.js';
import { sidecarRules } from '../fixtures/rbac.js';
import { startPrometheus } from '../fixtures/prometheus.js';
import { freePort, until } from '../fixtures/wait.js';
import { flinkDeployment, serviceAccount, startKubeDouble, type KubeDouble } from '../doubles/kube/index.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const NS = 'streaming';
const NAME = 'clickstream';
const SA = serviceAccount(NS, 'flink', 'sidecar-token');

let flink: FlinkDouble;
let kube: KubeDouble;
let sidecar: ChildProcess;
let prometheus: ChildProcess;
let ticker: NodeJS.Timeout;
let sidecarUrl: string;
let promUrl: string;
const sidecarLog: string[] = [];

beforeAll(async () => {
  flink = await startFlinkDouble({
    clusterId: NAME,
    jobShape: { initialWorkers: 4, capacityPerWorker: 1000 },
    slotsPerTaskManager: 1,
    input: 3000,
    fetchIntervalSeconds: 0,
  });
  ticker = setInterval(() => flink.advance(1), 1000);
  kube = await startKubeDouble({
    namespace: NS,
    users: [SA],
    rules: [...sidecarRules(NS, SA.username)],
  });
  kube.flinkDeployments.put(
    flinkDeployment({ name: NAME, namespace: NS, replicas: 4, slotsPerTaskManager: 1 }),
  );
  kube.flinkDeployments.reconcile(NS, NAME);

  const port = await freePort();
  sidecarUrl = `http://127.0.0.1:${port}`;
  // no --name: the FlinkDeployment is the JobManager pod's `app` label, from a Downward API labels file
  const labels = join(mkdtempSync(join(tmpdir(), 'fa-podinfo-')), 'labels');
  writeFileSync(labels, `app="${NAME}"\ncomponent="jobmanager"\n`);
  sidecar = spawn(
    join(root, 'node_modules/.bin/flink-autoscaler'),
    [
      'sidecar',
      ...['--flink-url', flink.url, '--namespace', NS, '--pod-labels-file', labels],
      ...[
        '--kubeconfig',
        kube.kubeconfig({ token: SA.token }, { namespace: NS }),
        '--listen',
        `127.0.0.1:${port}`,
      ],
      ...['--interval-seconds', '1', '--window-seconds', '4', '--cooldown-seconds', '0'],
    ],
    // with the Node flags the injector gives the sidecar container
    {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, NODE_OPTIONS: SIDECAR_NODE_OPTIONS },
    },
  );
  sidecar.stderr?.on('data', (d: Buffer) => sidecarLog.push(d.toString()));
  await until('the sidecar is ready', 30, async () =>
    (await fetch(`${sidecarUrl}/readyz`)).ok ? true : undefined,
  );
  await until('the sidecar has signals', 30, async () => {
    const status = (await (await fetch(`${sidecarUrl}/api/v1/status`)).json()) as { signals: unknown };
    return status.signals ? true : undefined;
  });

  ({ url: promUrl, process: prometheus } = await startPrometheus([`127.0.0.1:${port}`]));
}, 90_000);

afterAll(async () => {
  clearInterval(ticker);
  sidecar?.kill('SIGTERM');
  prometheus?.kill('SIGTERM');
  await flink?.close();
  await kube?.close();
});

describe('a real Prometheus scraping the sidecar', () => {
  it('answers a PromQL query for every signal, threshold and the decision', async () => {
    const series = [
      'flink_autoscaler_workers',
      'flink_autoscaler_desired_workers',
      'flink_autoscaler_throughput_per_second',
      'flink_autoscaler_backlog',
      'flink_autoscaler_backlog_growth_per_second',
      'flink_autoscaler_backlog_time_seconds',
      'flink_autoscaler_cpu_utilization_ratio',
      'flink_autoscaler_scale_up_backlog_time_threshold_seconds',
      'flink_autoscaler_scale_down_cpu_threshold_ratio',
      'flink_autoscaler_decision',
      'flink_autoscaler_mode',
      'flink_autoscaler_evaluation_duration_seconds_count',
      'flink_autoscaler_up',
      'flink_autoscaler_leader',
      'flink_autoscaler_last_cycle_timestamp_seconds',
    ];
    for (const name of series) {
      const result = await until(`Prometheus has ${name}`, 30, async () => {
        const url = `${promUrl}/api/v1/query?query=${encodeURIComponent(`${name}{namespace="${NS}",flinkdeployment="${NAME}"}`)}`;
        const body = (await (await fetch(url)).json()) as {
          data?: { result?: { value: [number, string] }[] };
        };
        const rows = body.data?.result ?? [];
        return rows.length > 0 ? rows : undefined;
      });
      expect(result.length, name).toBeGreaterThan(0);
    }
    const workers = await until('workers = 4', 10, async () => {
      const body = (await (await fetch(`${promUrl}/api/v1/query?query=flink_autoscaler_workers`)).json()) as {
        data: { result: { value: [number, string] }[] };
      };
      return body.data.result[0]?.value[1];
    });
    expect(workers).toBe('4');
    const mode = (await (
      await fetch(`${promUrl}/api/v1/query?query=flink_autoscaler_mode%3D%3D1`)
    ).json()) as {
      data: { result: { metric: { mode: string } }[] };
    };
    expect(mode.data.result[0]?.metric.mode).toBe('advisor');
    // the sidecar's own health: its loop runs, it holds its job's Lease, nothing keeps it from being ready
    for (const [query, value] of [
      ['flink_autoscaler_up', '1'],
      ['flink_autoscaler_leader', '1'],
      ['count(flink_autoscaler_not_ready) or vector(0)', '0'],
    ] as const) {
      const got = await until(`${query} = ${value}`, 30, async () => {
        const body = (await (
          await fetch(`${promUrl}/api/v1/query?query=${encodeURIComponent(query)}`)
        ).json()) as {
          data: { result: { value: [number, string] }[] };
        };
        return body.data.result[0]?.value[1] === value ? value : undefined;
      });
      expect(got).toBe(value);
    }
  }, 90_000);

  it("the chart's alerts stay quiet for this healthy job, and the counters they read are there from 0", async () => {
    const file = parse(
      readFileSync(join(root, 'charts/flink-autoscaler/files/alert-rules.yaml'), 'utf8'),
    ) as { groups: { rules: { alert: string; expr: string }[] }[] };
    const query = async (expr: string) => {
      const body = (await (
        await fetch(`${promUrl}/api/v1/query?query=${encodeURIComponent(expr)}`)
      ).json()) as { status: string; error?: string; data?: { result: { value: [number, string] }[] } };
      expect(body.status, `${expr}: ${body.error}`).toBe('success');
      return body.data?.result ?? [];
    };
    await until('Prometheus has the scale errors at 0', 30, async () => {
      const rows = await query(`flink_autoscaler_errors_total{stage="scale",flinkdeployment="${NAME}"}`);
      return rows[0]?.value[1] === '0' ? true : undefined;
    });
    // Each alert's expression runs in this Prometheus on the sidecar's real series, and finds nothing.
    for (const rule of file.groups.flatMap((g) => g.rules)) {
      expect(await query(rule.expr), rule.alert).toEqual([]);
    }
  }, 60_000);

  it('found its FlinkDeployment from the pod’s app label', async () => {
    const status = (await (await fetch(`${sidecarUrl}/api/v1/status`)).json()) as {
      flinkdeployment: { name: string };
    };
    expect(status.flinkdeployment.name).toBe(NAME);
  });

  it('logs structured JSON', () => {
    const lines = sidecarLog.join('').split('\n').filter(Boolean);
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) expect(() => JSON.parse(line), line).not.toThrow();
  });
});
