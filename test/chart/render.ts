/** Runs the real helm on the chart and parses what it renders. */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { CHART, ensureHelm } from './helm.js';

export const RELEASE = 'fa';
export const NAMESPACE = 'flink-autoscaler';
/** Every values file the tests render (charts/flink-autoscaler/ci/*.yaml). */
export const CI_VALUES = [
  'default-values.yaml',
  'jobs-values.yaml',
  'secret-tls-values.yaml',
  'self-managed-values.yaml',
  'cluster-values.yaml',
];
/** The API versions a cluster with the Prometheus Operator and cert-manager serves. */
export const WITH_CRDS = [
  'monitoring.coreos.com/v1',
  'monitoring.coreos.com/v1/PodMonitor',
  'monitoring.coreos.com/v1/ServiceMonitor',
  'cert-manager.io/v1',
];

export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  [key: string]: unknown;
}

export interface HelmResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function helm(args: string[]): HelmResult {
  const result = spawnSync(ensureHelm(), args, {
    encoding: 'utf8',
    timeout: 60_000,
    env: { ...process.env, HELM_CACHE_HOME: join(CHART, '..', '..', '.tools', 'helm', 'cache') },
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

export interface RenderOptions {
  values?: string[];
  set?: string[];
  /** `--set-json` (helm's --set leaves fractions as strings, which the schema refuses). */
  setJson?: string[];
  apiVersions?: string[];
  kubeVersion?: string;
}

/** `helm template` arguments for the options (values files by name from ci/). */
export function templateArgs(options: RenderOptions = {}): string[] {
  const args = ['template', RELEASE, CHART, '--namespace', NAMESPACE];
  for (const file of options.values ?? []) args.push('--values', join(CHART, 'ci', file));
  for (const set of options.set ?? []) args.push('--set', set);
  for (const set of options.setJson ?? []) args.push('--set-json', set);
  for (const api of options.apiVersions ?? WITH_CRDS) args.push('--api-versions', api);
  args.push('--kube-version', options.kubeVersion ?? '1.33.0');
  return args;
}

/** Renders the chart and parses every object; throws with helm's message when rendering fails. */
export function render(options: RenderOptions = {}): K8sObject[] {
  const result = helm(templateArgs(options));
  if (result.code !== 0) throw new Error(`helm template failed (${result.code}): ${result.stderr}`);
  const objects: K8sObject[] = [];
  for (const doc of parseAllDocuments(result.stdout)) {
    if (doc.errors.length > 0) throw new Error(`rendered YAML does not parse: ${doc.errors[0]?.message}`);
    const value: unknown = doc.toJS();
    if (value === null || value === undefined) continue;
    objects.push(value as K8sObject);
  }
  return objects;
}

/** The one object of a kind (and name, when given); throws when there is not exactly one. */
export function one(objects: K8sObject[], kind: string, name?: string): K8sObject {
  const found = objects.filter((o) => o.kind === kind && (name === undefined || o.metadata.name === name));
  if (found.length !== 1) {
    throw new Error(`expected one ${kind}${name ? ` ${name}` : ''}, found ${found.length}`);
  }
  return found[0] as K8sObject;
}

export function ofKind(objects: K8sObject[], kind: string): K8sObject[] {
  return objects.filter((o) => o.kind === kind);
}

/** A typed path into a parsed object (tests only: throws when a step is missing). */
export function at<T = unknown>(value: unknown, ...path: (string | number)[]): T {
  let node: unknown = value;
  for (const key of path) {
    if (node === null || typeof node !== 'object' || !(key in (node as object))) {
      throw new Error(`missing ${path.join('.')} (at ${String(key)})`);
    }
    node = (node as Record<string | number, unknown>)[key];
  }
  return node as T;
}

export interface Container {
  name: string;
  image: string;
  args?: string[];
  ports?: { name: string; containerPort: number }[];
  [key: string]: unknown;
}

export function containerOf(deployment: K8sObject, name: string): Container {
  const containers = at<Container[]>(deployment, 'spec', 'template', 'spec', 'containers');
  const found = containers.find((c) => c.name === name);
  if (found === undefined) throw new Error(`${deployment.metadata.name} has no container ${name}`);
  return found;
}

/** The value of `--flag=value` in args, or true for a bare `--flag`, or undefined. */
export function flag(args: readonly string[], name: string): string | true | undefined {
  for (const arg of args) {
    if (arg === name) return true;
    if (arg.startsWith(`${name}=`)) return arg.slice(name.length + 1);
  }
  return undefined;
}
