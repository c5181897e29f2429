/**
 * `helm package` gives an installable chart: the .tgz holds what the chart needs (templates, the values
 * schema, the dashboards and the core-panel dashboard, the README) and not the test values of ci/; helm lints
 * it, renders it as it renders the folder, and installs it (a client-side dry run, no cluster).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHART, ensureHelm } from './helm.js';
import { NAMESPACE, RELEASE, WITH_CRDS, helm, type K8sObject } from './render.js';

const work = mkdtempSync(join(tmpdir(), 'fa-chart-package-'));
let tgz = '';

beforeAll(() => {
  ensureHelm();
  const result = helm(['package', CHART, '--destination', work]);
  if (result.code !== 0) throw new Error(`helm package failed: ${result.stderr}`);
  const version = (parse(readFileSync(join(CHART, 'Chart.yaml'), 'utf8')) as { version: string }).version;
  tgz = join(work, `flink-autoscaler-${version}.tgz`);
}, 300_000);

afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});

/** The kinds and names of the objects in rendered YAML. */
function inventory(yaml: string): string[] {
  return yaml
    .split(/^---$/m)
    .map((doc) => parse(doc) as K8sObject | null)
    .filter((o): o is K8sObject => o !== null && typeof o === 'object')
    .map((o) => `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`)
    .sort();
}

describe('helm package', () => {
  it('makes one .tgz with the templates, schema, dashboards and README, and without ci/', () => {
    expect(readdirSync(work)).toEqual([tgz.split('/').pop()]);
    const files = execFileSync('tar', ['-tzf', tgz], { encoding: 'utf8' }).trim().split('\n');
    for (const file of [
      'flink-autoscaler/Chart.yaml',
      'flink-autoscaler/values.yaml',
      'flink-autoscaler/values.schema.json',
      'flink-autoscaler/README.md',
      'flink-autoscaler/templates/_validate.tpl',
      'flink-autoscaler/files/core-dashboard.json',
      ...readdirSync(join(CHART, 'dashboards')).map((f) => `flink-autoscaler/dashboards/${f}`),
    ])
      expect(files, file).toContain(file);
    expect(files.filter((f) => f.includes('/ci/'))).toEqual([]);
  });

  it('lints clean (strict)', () => {
    const result = helm(['lint', tgz, '--strict']);
    expect(result.stdout + result.stderr).toContain('0 chart(s) failed');
    expect(result.code).toBe(0);
  });

  it('renders from the package what it renders from the folder, with the schema enforced', () => {
    const args = (chart: string) => [
      'template',
      RELEASE,
      chart,
      '--namespace',
      NAMESPACE,
      '--kube-version',
      '1.33.0',
      ...WITH_CRDS.flatMap((api) => ['--api-versions', api]),
    ];
    const packaged = helm(args(tgz));
    expect(packaged.code, packaged.stderr).toBe(0);
    const folder = helm(args(CHART));
    expect(inventory(packaged.stdout)).toEqual(inventory(folder.stdout));
    expect(packaged.stdout).toContain('core-dashboard.json');
    const bad = helm([...args(tgz), '--set', 'injector.replicas=3']);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/replicas/);
  });

  it('installs from the package (helm install --dry-run=client, no cert-manager needed)', () => {
    const result = helm([
      'install',
      RELEASE,
      tgz,
      '--namespace',
      NAMESPACE,
      '--dry-run=client',
      '--set',
      'jobNamespaces[0].namespace=flink-jobs',
    ]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('STATUS: pending-install');
    expect(result.stdout).toContain('kind: MutatingWebhookConfiguration');
  });
});
