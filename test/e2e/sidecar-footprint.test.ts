/**
 * The real sidecar, run in-process by a bare Node with the injector's Node flags, against the Flink and
 * Kubernetes doubles: after cycles, API calls and a scrape it has never loaded undici, the HTTP client
 * behind the global fetch and the lazy `WebSocket` export of an ESM-imported node:http (13 to 40 MiB of
 * resident memory the sidecar does not need; `npm run bench:sidecar` measures the whole). Nor has it
 * loaded the code of the other subcommands.
 */
import { spawn } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { expect, it } from 'vitest';
import { SIDECAR_NODE_OPTIONS } from '../../sidecar/src/injector/settings.js';
import { startFlinkDouble } from '../doubles/flink/index.js';
import { flinkDeployment, serviceAccount, startKubeDouble } from '../doubles/kube/index.js';
import { sidecarRules } from '../fixtures/rbac.js';
import { freePort, until } from '../fixtures/wait.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const NS = 'footprint';
const NAME = 'orders';
const SA = serviceAccount(NS, 'flink', 'footprint-token');

/** Runs the CLI's `sidecar` in this process; on SIGUSR2 prints what it has loaded, then exits. */
const HARNESS = `
process.on('SIGUSR2', () => {
  const cjs = Object.keys((process.getBuiltinModule('node:module').createRequire(import.meta.url)).cache);
  process.stdout.write(JSON.stringify({ builtins: process.moduleLoadList, cjs }));
  process.exit(0);
});
process.argv = [process.argv[0], 'flink-autoscaler', ...JSON.parse(process.env.SIDECAR_ARGS)];
await import(process.env.SIDECAR_MAIN);
`;

it('runs its cycles, API and /metrics without undici or other subcommands’ code', async () => {
  const flink = await startFlinkDouble({
    clusterId: NAME,
    jobShape: { initialWorkers: 2 },
    input: 1000,
    fetchIntervalSeconds: 0,
  });
  const ticker = setInterval(() => flink.advance(1), 1000);
  const kube = await startKubeDouble({ namespace: NS, users: [SA], rules: sidecarRules(NS, SA.username) });
  kube.flinkDeployments.put(
    flinkDeployment({ name: NAME, namespace: NS, replicas: 2, slotsPerTaskManager: 1 }),
  );
  kube.flinkDeployments.reconcile(NS, NAME);
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const args = [
    'sidecar',
    ...['--flink-url', flink.url, '--namespace', NS, '--name', NAME, '--listen', `127.0.0.1:${port}`],
    ...['--kubeconfig', kube.kubeconfig({ token: SA.token }, { namespace: NS })],
    ...['--interval-seconds', '1', '--window-seconds', '3'],
  ];
  const child = spawn(process.execPath, ['--input-type=module', '-e', HARNESS], {
    env: {
      ...process.env,
      NODE_OPTIONS: SIDECAR_NODE_OPTIONS,
      SIDECAR_ARGS: JSON.stringify(args),
      SIDECAR_MAIN: pathToFileURL(join(root, 'sidecar/dist/cli/main.js')).href,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((done) => child.on('close', done));
  try {
    await until('the sidecar has signals', 30, async () => {
      const status = (await (await fetch(`${url}/api/v1/status`)).json()) as { signals: unknown };
      return status.signals ? true : undefined;
    }).catch((error: Error) => {
      throw new Error(`${error.message}\n${stderr}`);
    });
    const metrics = await (await fetch(`${url}/metrics`)).text();
    expect(metrics).toMatch(/^flink_autoscaler_evaluation_duration_seconds_count\{[^}]*\} [1-9]/m);
    child.kill('SIGUSR2');
    expect(await exited).toBe(0);
    const loaded = JSON.parse(stdout) as { builtins: string[]; cjs: string[] };
    // the harness really sees what is loaded: the sidecar's own HTTP server and Kubernetes client
    expect(loaded.builtins).toContain('NativeModule _http_server');
    expect(loaded.builtins).toContain('NativeModule https');
    expect(loaded.cjs.some((file) => file.includes('/node_modules/express/'))).toBe(true);
    expect(loaded.builtins.filter((name) => /undici|websocket/i.test(name))).toEqual([]);
    expect(loaded.cjs.filter((file) => /@peculiar|reflect-metadata/.test(file))).toEqual([]);
  } finally {
    child.kill('SIGTERM');
    clearInterval(ticker);
    await flink.close();
    await kube.close();
  }
}, 60_000);
