/**
 * Injection latency: the real `flink-autoscaler injector` process answering AdmissionReviews for
 * JobManager pods over HTTPS on loopback at a steady 200 per second (keep-alive connections, as the API
 * server keeps them), latency measured by the caller. Prints p50/p99 and writes test/bench/injector.md.
 * Run: `npm run bench:injector`.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:https';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { selfSignedCertificate } from '../doubles/kube/tls.js';
import { admissionReview, jobManagerPod } from '../fixtures/admission.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const RATE = 200;
const SECONDS = Number(process.env.BENCH_SECONDS ?? 15);
const WARMUP = 2;

const dir = mkdtempSync(join(tmpdir(), 'fa-bench-injector-'));
const tls = selfSignedCertificate(undefined, { commonName: 'injector', ipAddresses: ['127.0.0.1'] });
writeFileSync(join(dir, 'tls.crt'), tls.cert);
writeFileSync(join(dir, 'tls.key'), tls.key);
writeFileSync(
  join(dir, 'kubeconfig'),
  'apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: "https://127.0.0.1:1"}}]\nusers: [{name: u, user: {token: t}}]\ncontexts: [{name: x, context: {cluster: c, user: u}}]\ncurrent-context: x\n',
);
const child = spawn(
  process.execPath,
  [
    join(root, 'sidecar/dist/cli/main.js'),
    'injector',
    ...[
      '--listen',
      '127.0.0.1:0',
      '--metrics-listen',
      '127.0.0.1:0',
      '--kubeconfig',
      join(dir, 'kubeconfig'),
    ],
    ...['--tls-cert', join(dir, 'tls.crt'), '--tls-key', join(dir, 'tls.key')],
    ...['--sidecar-image', 'registry.example/flink-autoscaler:0.1.0'],
  ],
  { stdio: ['ignore', 'ignore', 'pipe'] },
);
const url = await new Promise<string>((done) => {
  child.stderr.on('data', (d: Buffer) => {
    for (const line of d.toString().split('\n')) {
      if (line.includes('"listening"')) done((JSON.parse(line) as { webhook: string }).webhook);
    }
  });
});
const agent = new Agent({ keepAlive: true, maxSockets: 16, ca: tls.cert });
const body = JSON.stringify(admissionReview(jobManagerPod('clickstream')));

function once(): Promise<number> {
  const start = process.hrtime.bigint();
  return new Promise((done, fail) => {
    const req = request(
      `${url}/mutate`,
      { method: 'POST', agent, headers: { 'Content-Type': 'application/json' } },
      (res) => {
        res.resume();
        res.on('end', () => {
          if (res.statusCode !== 200) fail(new Error(`HTTP ${res.statusCode}`));
          else done(Number(process.hrtime.bigint() - start) / 1e6);
        });
      },
    );
    req.on('error', fail);
    req.end(body);
  });
}

const latencies: number[] = [];
const pending: Promise<void>[] = [];
const total = (SECONDS + WARMUP) * RATE;
const t0 = performance.now();
for (let i = 0; i < total; i++) {
  const due = t0 + (i * 1000) / RATE;
  const wait = due - performance.now();
  if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  pending.push(once().then((ms) => void (i >= WARMUP * RATE && latencies.push(ms))));
  if (i % RATE === 0)
    process.stderr.write(`${JSON.stringify({ msg: 'sending', second: i / RATE, of: SECONDS + WARMUP })}\n`);
}
await Promise.all(pending);
const elapsed = (performance.now() - t0) / 1000;
child.kill('SIGTERM');
agent.destroy();
latencies.sort((a, b) => a - b);
const pct = (p: number) =>
  latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))] ?? NaN;
const table =
  `| figure (${latencies.length} AdmissionReviews at ${RATE}/s, HTTPS keep-alive on loopback, Node ${process.version}) | measured | target |\n| --- | --- | --- |\n` +
  `| injection latency p50 | ${pct(50).toFixed(2)} ms | |\n` +
  `| injection latency p99 | ${pct(99).toFixed(2)} ms | ≤ 5 ms |\n` +
  `| injection latency max | ${(latencies.at(-1) ?? NaN).toFixed(2)} ms | |\n` +
  `| achieved rate | ${(total / elapsed).toFixed(0)}/s | 200/s |\n`;
process.stdout.write(table);
writeFileSync(
  join(root, 'test/bench/injector.md'),
  `# Injection latency\n\nMade by \`npm run bench:injector\`: the real \`flink-autoscaler injector\` process, a JobManager pod's AdmissionReview sent at a steady ${RATE} per second for ${SECONDS} s (after ${WARMUP} s of warm-up) over keep-alive HTTPS on loopback; latency from request start to the last byte of the answer, measured by the caller (which shares the machine's 2 cores).\n\n${table}`,
);
