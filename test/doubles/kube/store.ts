/** The double's etcd: objects by collection, one global resourceVersion counter, and a bounded event history for watches. */
import { randomUUID } from 'node:crypto';
import { clone, jsonEqual, kubeTimestamp, type KubeObject } from './types.js';

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

/** One committed change: the object after it (before it, for DELETED) and what it was before. */
export interface StoreEvent {
  collection: string;
  type: WatchEventType;
  object: KubeObject;
  previous?: KubeObject;
  resourceVersion: number;
}

function keyOf(namespace: string | undefined, name: string | undefined): string {
  return `${namespace ?? ''}/${name ?? ''}`;
}

function withoutResourceVersion(object: KubeObject): KubeObject {
  const { resourceVersion: _ignored, ...metadata } = object.metadata;
  return { ...object, metadata };
}

export class ObjectStore {
  #resourceVersion: number;
  #compactedThrough: number;
  readonly #historyLimit: number;
  readonly #collections = new Map<string, Map<string, KubeObject>>();
  #history: StoreEvent[] = [];
  readonly #listeners = new Set<(event: StoreEvent) => void>();

  constructor(options: { historyLimit?: number; firstResourceVersion?: number } = {}) {
    this.#resourceVersion = options.firstResourceVersion ?? 1000;
    this.#compactedThrough = this.#resourceVersion;
    this.#historyLimit = options.historyLimit ?? 1000;
  }

  /** The latest resourceVersion handed out (what a list reports). */
  get resourceVersion(): number {
    return this.#resourceVersion;
  }

  /** Watches from a resourceVersion below this one get 410 Expired. */
  get oldestWatchable(): number {
    return this.#compactedThrough;
  }

  #collection(name: string): Map<string, KubeObject> {
    let collection = this.#collections.get(name);
    if (!collection) {
      collection = new Map();
      this.#collections.set(name, collection);
    }
    return collection;
  }

  get(collection: string, namespace: string | undefined, name: string): KubeObject | undefined {
    const found = this.#collection(collection).get(keyOf(namespace, name));
    return found === undefined ? undefined : clone(found);
  }

  /** Every object of the collection (in one namespace if given), ordered by namespace then name. */
  list(collection: string, namespace?: string): KubeObject[] {
    return [...this.#collection(collection).entries()]
      .filter(([, object]) => namespace === undefined || object.metadata.namespace === namespace)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([, object]) => clone(object));
  }

  #commit(event: Omit<StoreEvent, 'resourceVersion'>, resourceVersion: number): void {
    const committed: StoreEvent = { ...event, resourceVersion };
    this.#history.push(committed);
    while (this.#history.length > this.#historyLimit) {
      const dropped = this.#history.shift();
      if (dropped) this.#compactedThrough = dropped.resourceVersion;
    }
    for (const listener of this.#listeners) listener(clone(committed));
  }

  /** Stores a new object: uid, creationTimestamp and resourceVersion are the store's. */
  create(collection: string, object: KubeObject): KubeObject {
    const stored = clone(object);
    this.#resourceVersion += 1;
    stored.metadata.uid = randomUUID();
    stored.metadata.creationTimestamp = kubeTimestamp();
    stored.metadata.resourceVersion = String(this.#resourceVersion);
    this.#collection(collection).set(keyOf(stored.metadata.namespace, stored.metadata.name), stored);
    this.#commit({ collection, type: 'ADDED', object: clone(stored) }, this.#resourceVersion);
    return clone(stored);
  }

  /**
   * Replaces an existing object. As etcd3's GuaranteedUpdate does, a write that changes nothing is not a
   * write: no new resourceVersion, no watch event, the stored object comes back.
   */
  replace(collection: string, object: KubeObject): KubeObject {
    const key = keyOf(object.metadata.namespace, object.metadata.name);
    const existing = this.#collection(collection).get(key);
    if (existing === undefined) throw new Error(`replace of a missing object ${collection} ${key}`);
    if (jsonEqual(withoutResourceVersion(existing), withoutResourceVersion(object))) return clone(existing);
    const stored = clone(object);
    this.#resourceVersion += 1;
    stored.metadata.resourceVersion = String(this.#resourceVersion);
    this.#collection(collection).set(key, stored);
    this.#commit(
      { collection, type: 'MODIFIED', object: clone(stored), previous: clone(existing) },
      this.#resourceVersion,
    );
    return clone(stored);
  }

  /** Deletes an object; the DELETED event carries it with the deletion's resourceVersion. */
  delete(collection: string, namespace: string | undefined, name: string): KubeObject | undefined {
    const key = keyOf(namespace, name);
    const existing = this.#collection(collection).get(key);
    if (existing === undefined) return undefined;
    this.#collection(collection).delete(key);
    this.#resourceVersion += 1;
    const gone = clone(existing);
    gone.metadata.resourceVersion = String(this.#resourceVersion);
    this.#commit(
      { collection, type: 'DELETED', object: clone(gone), previous: clone(existing) },
      this.#resourceVersion,
    );
    return gone;
  }

  /** The collection's events after `resourceVersion`, or undefined when history no longer reaches back that far. */
  since(collection: string, resourceVersion: number): StoreEvent[] | undefined {
    if (resourceVersion < this.#compactedThrough) return undefined;
    return this.#history
      .filter((event) => event.collection === collection && event.resourceVersion > resourceVersion)
      .map((event) => clone(event));
  }

  /** Calls `listener` after every committed change; returns the unsubscribe function. */
  subscribe(listener: (event: StoreEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Forgets all history, as an etcd compaction does: older watches then get 410 Expired. */
  compact(): void {
    this.#history = [];
    this.#compactedThrough = this.#resourceVersion;
  }
}
