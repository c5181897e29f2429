/** Namespaces, just enough: which exist (creation elsewhere needs one, kubectl asks after a 404) and GET/list of them. */
import { randomUUID } from 'node:crypto';
import type { Express } from 'express';
import { handle, queryOf, sendObject, wantsTable } from './http.js';
import { notFound } from './status.js';
import { includeObjectOf, since, toTable } from './table.js';
import { kubeTimestamp, type KubeObject } from './types.js';

const columns = [
  { name: 'Name', type: 'string', format: 'name', description: '', priority: 0 },
  { name: 'Status', type: 'string', format: '', description: '', priority: 0 },
  { name: 'Age', type: 'string', format: '', description: '', priority: 0 },
];

export class Namespaces {
  readonly #known = new Map<string, KubeObject>();

  constructor(names: Iterable<string>) {
    for (const name of names) this.add(name);
  }

  /** Adds a namespace; labels given for an existing one are merged into its labels. */
  add(name: string, labels: Record<string, string> = {}): void {
    const existing = this.#known.get(name);
    if (existing !== undefined) {
      existing.metadata.labels = { ...existing.metadata.labels, ...labels };
      return;
    }
    this.#known.set(name, {
      kind: 'Namespace',
      apiVersion: 'v1',
      metadata: {
        name,
        uid: randomUUID(),
        resourceVersion: '1',
        creationTimestamp: kubeTimestamp(),
        labels: { ...labels, 'kubernetes.io/metadata.name': name },
      },
      spec: { finalizers: ['kubernetes'] },
      status: { phase: 'Active' },
    });
  }

  /** The labels of a namespace (with `kubernetes.io/metadata.name`), or undefined when it does not exist. */
  labels(name: string): Record<string, string> | undefined {
    const found = this.#known.get(name);
    return found === undefined ? undefined : { ...found.metadata.labels };
  }

  has(name: string): boolean {
    return this.#known.has(name);
  }

  /** 404 `namespaces "x" not found`, what the NamespaceLifecycle admission plugin answers a create in a missing namespace. */
  require(name: string): void {
    if (!this.has(name)) throw notFound({ group: '', resource: 'namespaces' }, name);
  }

  mount(app: Express): void {
    const table = (items: KubeObject[], include: string | null) =>
      toTable(
        items,
        columns,
        (ns) => [
          ns.metadata.name,
          (ns['status'] as { phase: string }).phase,
          since(ns.metadata.creationTimestamp),
        ],
        includeObjectOf(include),
        { resourceVersion: '1' },
      );
    app.get(
      '/api/v1/namespaces',
      handle((req, res) => {
        const items = [...this.#known.values()].sort((a, b) =>
          String(a.metadata.name).localeCompare(String(b.metadata.name)),
        );
        if (wantsTable(req)) sendObject(res, 200, table(items, queryOf(req).get('includeObject')));
        else
          sendObject(res, 200, {
            kind: 'NamespaceList',
            apiVersion: 'v1',
            metadata: { resourceVersion: '1' },
            items,
          });
      }),
    );
    app.get(
      '/api/v1/namespaces/:name',
      handle((req, res) => {
        const name = String(req.params['name']);
        const found = this.#known.get(name);
        if (found === undefined) throw notFound({ group: '', resource: 'namespaces' }, name);
        sendObject(res, 200, wantsTable(req) ? table([found], queryOf(req).get('includeObject')) : found);
      }),
    );
  }
}
