/**
 * `flink-autoscaler bench-cycle`: the sidecar's evaluation cycle against a Flink REST API, measured from
 * inside the process: requests to Flink per cycle, CPU time per cycle, and peak resident memory. Kubernetes
 * is an in-memory stand-in (advisor mode): its calls are not part of a cycle's cost.
 */
import { DEFAULT_CONFIG } from '@flink-autoscaler/shared';
import type { Command } from 'commander';
import { FlinkCollector } from '../flink/collect.js';
import { FlinkHttp } from '../flink/http.js';
import type { KubeClient } from '../kube/client.js';
import type { FlinkDeployment } from '../kube/deployment.js';
import { Sidecar } from '../loop/sidecar.js';
import { SidecarMetrics } from '../metrics/exporter.js';
import { CliError } from './exit.js';

const deployment: FlinkDeployment = {
  metadata: { name: 'bench', namespace: 'bench', generation: 1 },
  spec: { taskManager: { replicas: 1 } },
  status: {
    lifecycleState: 'STABLE',
    observedGeneration: 1,
    reconciliationStatus: { state: 'DEPLOYED' },
    jobStatus: { state: 'RUNNING' },
  },
};

const kube: Pick<KubeClient, 'get' | 'scale' | 'saveState' | 'event' | 'replicas'> = {
  get: async () => deployment,
  scale: async () => undefined,
  saveState: async () => deployment,
  event: async () => undefined,
  replicas: async () => 1,
};

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

export function registerBenchCycle(program: Command): void {
  program
    .command('bench-cycle')
    .summary('measure the evaluation cycle against a Flink REST API: requests, CPU time, memory')
    .requiredOption('--flink-url <url>', 'the JobManager REST API to measure against')
    .option('--cycles <n>', 'cycles to measure (after 3 warm-up cycles)', '30')
    .option(
      '--pause-ms <n>',
      'real time between cycles, so Flink refreshes its metrics as it would in 15 s',
      '300',
    )
    .action(async (opts: { flinkUrl: string; cycles: string; pauseMs: string }) => {
      const pauseMs = Number(opts.pauseMs);
      const cycles = Number(opts.cycles);
      if (!Number.isSafeInteger(cycles) || cycles < 1 || cycles > 10_000) {
        throw new CliError(
          `--cycles must be a whole number from 1 to 10000, got ${JSON.stringify(opts.cycles)}`,
        );
      }
      const http = new FlinkHttp({ baseUrl: opts.flinkUrl, timeoutMs: 10_000 });
      let now = Date.now();
      const sidecar = new Sidecar({
        collector: new FlinkCollector(http, () => now),
        kube,
        metrics: new SidecarMetrics({ namespace: 'bench', flinkdeployment: 'bench' }),
        clock: () => now,
        log: () => undefined,
        baseConfig: DEFAULT_CONFIG,
      });
      await sidecar.start();
      const requests: number[] = [];
      const cpuMs: number[] = [];
      for (let i = 0; i < cycles + 3; i++) {
        await new Promise((r) => setTimeout(r, pauseMs));
        now += 15_000;
        const before = http.requests;
        const cpu = process.cpuUsage();
        await sidecar.tick();
        const used = process.cpuUsage(cpu);
        if (i < 3) continue;
        requests.push(http.requests - before);
        cpuMs.push((used.user + used.system) / 1000);
      }
      process.stdout.write(
        `${JSON.stringify({
          cycles,
          requestsPerCycle: { median: median(requests), max: Math.max(...requests) },
          cpuMsPerCycle: { median: median(cpuMs), max: Math.max(...cpuMs) },
          maxRssMiB: process.resourceUsage().maxRSS / 1024,
          heapUsedMiB: process.memoryUsage().heapUsed / 1024 / 1024,
          status: sidecar.status(),
        })}\n`,
      );
    });
}
