/**
 * The README's main job (`npm start`): the sidecar against the built-in simulated job and cluster. It
 * prints a kubeconfig real kubectl can use and the sidecar's URL, then scales the job as the load steps up.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runKubectl } from '../doubles/kube/index.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

describe('npm start', () => {
  it('runs test/demo/start.ts through the project toolchain', () => {
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
      scripts: Record<string, string>;
    };
    expect(pkg.scripts.start).toBe('bash scripts/with-env.sh tsx test/demo/start.ts');
  });

  it('prints kubeconfig and sidecar lines first, then scales the job; kubectl sees it', async () => {
    const child = spawn(join(root, 'node_modules/.bin/tsx'), ['test/demo/start.ts'], {
      cwd: root,
      env: { ...process.env, DEMO_STEP_MS: '25' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const logs: string[] = [];
    child.stderr.on('data', (d: Buffer) => logs.push(d.toString()));
    try {
      const lines = createInterface({ input: child.stdout });
      const first: string[] = [];
      for await (const line of lines) {
        first.push(line);
        if (first.length === 2) break;
      }
      expect(first[0]).toMatch(/^kubeconfig: \/.+\.kubeconfig$/);
      expect(first[1]).toMatch(/^sidecar: http:\/\/127\.0\.0\.1:\d+$/);
      const kubeconfig = (first[0] as string).slice('kubeconfig: '.length);
      const url = (first[1] as string).slice('sidecar: '.length);
      const home = { home: mkdtempSync(join(tmpdir(), 'fa-kubectl-')) };

      const get = await runKubectl(kubeconfig, ['get', 'flinkdeployments'], home);
      expect(get.stdout).toMatch(/clickstream/);
      const status = (await (await fetch(`${url}/api/v1/status`)).json()) as { mode: string };
      expect(status.mode).toBe('active');
      expect(await (await fetch(`${url}/metrics`)).text()).toMatch(/flink_autoscaler_mode\{mode="active"/);

      // the sidecar's API is read-only: a person scales the FlinkDeployment (the demo's `you`, with kubectl)
      const post = await fetch(`${url}/api/v1/scale`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: 'Bearer demo-admin-token' },
        body: JSON.stringify({ replicas: 26, reason: 'demo' }),
      });
      expect(post.status).toBe(404);
      const scaled = await runKubectl(
        kubeconfig,
        ['scale', 'flinkdeployment', 'clickstream', '--replicas=26'],
        home,
      );
      expect(scaled.code, scaled.stderr).toBe(0);
      let detected = '';
      for (let i = 0; i < 40 && !/ManualScaleDetected/.test(detected); i++) {
        await new Promise((r) => setTimeout(r, 250));
        detected = (await runKubectl(kubeconfig, ['get', 'events'], home)).stdout;
      }
      expect(detected).toMatch(/from 25 to 26 TaskManagers by someone/);

      // the step trace doubles the load at 1 h (about 6 s of real time at this speed): a scale-up follows
      let events = '';
      for (let i = 0; i < 120 && !/TaskManagers: (cpu-high|backlog-time-high)/.test(events); i++) {
        await new Promise((r) => setTimeout(r, 250));
        events = (await runKubectl(kubeconfig, ['get', 'events'], home)).stdout;
      }
      expect(events).toMatch(/ScaledUp/);
      expect(events).toMatch(/ManualScaleDetected/);
      const replicas = await runKubectl(
        kubeconfig,
        ['get', 'flinkdeployment', 'clickstream', '-o', 'jsonpath={.spec.taskManager.replicas}'],
        home,
      );
      expect(Number(replicas.stdout)).toBeGreaterThan(26);
      const decisions = logs
        .join('')
        .split('\n')
        .filter((l) => l.includes('"msg":"decision"'));
      expect(decisions.length).toBeGreaterThan(0);
      for (const line of decisions) expect(() => JSON.parse(line)).not.toThrow();
    } finally {
      child.kill('SIGTERM');
    }
  }, 90_000);
});
