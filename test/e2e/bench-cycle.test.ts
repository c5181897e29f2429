/** `flink-autoscaler bench-cycle` measures a real cycle: requests, CPU time and memory, with no dropped sample. */
import { spawn } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { startFlinkDouble } from '../doubles/flink/index.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

it('measures the cycle against a Flink job with middle vertices', async () => {
  const flink = await startFlinkDouble({ middleVertices: 3, jobShape: { initialWorkers: 4 }, input: 3000 });
  flink.advance(60);
  const ticker = setInterval(() => flink.advance(15), 50);
  try {
    const out = await new Promise<string>((done, fail) => {
      const child = spawn(process.execPath, [
        join(root, 'sidecar/dist/cli/main.js'),
        ...['bench-cycle', '--flink-url', flink.url, '--cycles', '5', '--pause-ms', '150'],
      ]);
      let stdout = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.on('close', (code) => (code === 0 ? done(stdout) : fail(new Error(`exit ${code}`))));
    });
    const figures = JSON.parse(out) as {
      cycles: number;
      requestsPerCycle: { median: number };
      cpuMsPerCycle: { median: number };
      maxRssMiB: number;
      status: { droppedSamples: Record<string, number>; jobState: string };
    };
    expect(figures.cycles).toBe(5);
    expect(figures.requestsPerCycle.median).toBe(5);
    expect(figures.cpuMsPerCycle.median).toBeGreaterThan(0);
    expect(figures.maxRssMiB).toBeGreaterThan(10);
    expect(figures.status.jobState).toBe('RUNNING');
    expect(figures.status.droppedSamples).toEqual({});
  } finally {
    clearInterval(ticker);
    await flink.close();
  }
}, 60_000);
