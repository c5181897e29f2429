/**
 * The double's etcd and the apiserver's watch cache: objects by collection, one global resourceVersion
 * counter, per collection the history of changes since the last compaction (what a list at an older version
 * and a continue token read) and a bounded watch cache (what watches resume from).
 */
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

export interface StoreOptions {
  /** Events each collection's watch cache keeps (the apiserver's default watch cache size: 100). */
  watchCacheSize?: number;
  /** The first resourceVersion (default 1000). */
  firstResourceVersion?: number;
  /** A collection's history kept at most this long between compactions (default 100,000 changes). */
  historyLimit?: number;
}

interface Collection {
  objects: Map<string, KubeObject>;
  /** Changes after `historyFloor`, oldest first: etcd's history, what reads at an older version undo. */
  history: StoreEvent[];
  /** Reads at a version below this one are 410 Expired (etcd compacted it). */
  historyFloor: number;
  /** Watches from a version below this one are 410 Expired (the watch cache no longer reaches back). */
  watchFloor: number;
  /** How many of `history`'s events are in the watch cache (after `watchFloor`). */
  cached: number;
}

function keyOf(namespace: string | undefined, name: string | undefined): string {
  return `${namespace ?? ''}/${name ?? ''}`;
}

function withoutResourceVersion(object: KubeObject): KubeObject {
  const { resourceVersion: _ignored, ...metadata } = object.metadata;
  return { ...object, metadata };
}

/** The index of the first event whose resourceVersion is above `resourceVersion` (binary search). */
function firstAfter(events: readonly StoreEvent[], resourceVersion: number): number {
  let low = 0;
  let high = events.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if ((events[middle]?.resourceVersion ?? 0) > resourceVersion) high = middle;
    else low = middle + 1;
  }
  return low;
}

function sortedByKey(objects: Map<string, KubeObject>, namespace: string | undefined): KubeObject[] {
  return [...objects.entries()]
    .filter(([, object]) => namespace === undefined || object.metadata.namespace === namespace)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([, object]) => clone(object));
}

export class ObjectStore {
  #resourceVersion: number;
  /** Everything at or below this version is compacted away. */
  #compactedThrough: number;
  /** The version at which the watch caches started (server start or restart). */
  #cachesStartedAt: number;
  readonly #watchCacheSize: number;
  readonly #historyLimit: number;
  readonly #collections = new Map<string, Collection>();
  readonly #listeners = new Set<(event: StoreEvent) => void>();

  constructor(options: StoreOptions = {}) {
    this.#resourceVersion = options.firstResourceVersion ?? 1000;
    this.#compactedThrough = this.#resourceVersion;
    this.#cachesStartedAt = this.#resourceVersion;
    this.#watchCacheSize = Math.max(0, options.watchCacheSize ?? 100);
    this.#historyLimit = Math.max(1, options.historyLimit ?? 100_000);
  }

  /** The latest resourceVersion handed out (what a list reports). */
  get resourceVersion(): number {
    return this.#resourceVersion;
  }

  /** Reads (lists, continue tokens) at a version below this one get 410 Expired. */
  get compactedThrough(): number {
    return this.#compactedThrough;
  }

  /** Watches of the collection from a resourceVersion below this one get 410 Expired. */
  watchFloor(collection: string): number {
    return this.#collection(collection).watchFloor;
  }

  /** Reads of the collection at a resourceVersion below this one get 410 Expired. */
  historyFloor(collection: string): number {
    return this.#collection(collection).historyFloor;
  }

  #collection(name: string): Collection {
    let collection = this.#collections.get(name);
    if (!collection) {
      collection = {
        objects: new Map(),
        history: [],
        historyFloor: this.#compactedThrough,
        watchFloor: Math.max(this.#cachesStartedAt, this.#compactedThrough),
        cached: 0,
      };
      this.#collections.set(name, collection);
    }
    return collection;
  }

  get(collection: string, namespace: string | undefined, name: string): KubeObject | undefined {
    const found = this.#collection(collection).objects.get(keyOf(namespace, name));
    return found === undefined ? undefined : clone(found);
  }

  /** Every object of the collection (in one namespace if given), ordered by namespace then name. */
  list(collection: string, namespace?: string): KubeObject[] {
    return sortedByKey(this.#collection(collection).objects, namespace);
  }

  /**
   * The collection as it was at `resourceVersion` (ordered as `list`), read back through its history as
   * etcd's MVCC reads; undefined when compaction took that version away.
   */
  listAt(collection: string, resourceVersion: number, namespace?: string): KubeObject[] | undefined {
    const c = this.#collection(collection);
    if (resourceVersion < c.historyFloor) return undefined;
    if (resourceVersion >= this.#resourceVersion) return sortedByKey(c.objects, namespace);
    const objects = new Map(c.objects);
    for (let i = c.history.length - 1; i >= 0; i -= 1) {
      const event = c.history[i];
      if (event === undefined || event.resourceVersion <= resourceVersion) break;
      const key = keyOf(event.object.metadata.namespace, event.object.metadata.name);
      if (event.type === 'ADDED' || event.previous === undefined) objects.delete(key);
      else objects.set(key, event.previous);
    }
    return sortedByKey(objects, namespace);
  }

  #commit(event: Omit<StoreEvent, 'resourceVersion'>, resourceVersion: number): void {
    const committed: StoreEvent = { ...event, resourceVersion };
    const c = this.#collection(event.collection);
    c.history.push(committed);
    if (c.history.length > this.#historyLimit) {
      const dropped = c.history.shift();
      if (dropped) c.historyFloor = Math.max(c.historyFloor, dropped.resourceVersion);
    }
    c.cached += 1;
    while (c.cached > this.#watchCacheSize) this.#evictOldestCached(c);
    const shared = clone(committed);
    for (const listener of this.#listeners) listener(shared);
  }

  /** The watch cache is full: its oldest event goes, and watches must start at or after the next one. */
  #evictOldestCached(c: Collection): void {
    const first = firstAfter(c.history, c.watchFloor);
    const next = c.history[first + 1];
    c.watchFloor = next === undefined ? this.#resourceVersion : next.resourceVersion - 1;
    c.cached = c.history.length - firstAfter(c.history, c.watchFloor);
  }

  /** Stores a new object: uid, creationTimestamp and resourceVersion are the store's. */
  create(collection: string, object: KubeObject): KubeObject {
    const stored = clone(object);
    this.#resourceVersion += 1;
    stored.metadata.uid = randomUUID();
    stored.metadata.creationTimestamp = kubeTimestamp();
    stored.metadata.resourceVersion = String(this.#resourceVersion);
    this.#collection(collection).objects.set(keyOf(stored.metadata.namespace, stored.metadata.name), stored);
    this.#commit({ collection, type: 'ADDED', object: stored }, this.#resourceVersion);
    return clone(stored);
  }

  /**
   * Replaces an existing object. As etcd3's GuaranteedUpdate does, a write that changes nothing is not a
   * write: no new resourceVersion, no watch event, the stored object comes back.
   */
  replace(collection: string, object: KubeObject): KubeObject {
    const key = keyOf(object.metadata.namespace, object.metadata.name);
    const objects = this.#collection(collection).objects;
    const existing = objects.get(key);
    if (existing === undefined) throw new Error(`replace of a missing object ${collection} ${key}`);
    if (jsonEqual(withoutResourceVersion(existing), withoutResourceVersion(object))) return clone(existing);
    const stored = clone(object);
    this.#resourceVersion += 1;
    stored.metadata.resourceVersion = String(this.#resourceVersion);
    objects.set(key, stored);
    this.#commit({ collection, type: 'MODIFIED', object: stored, previous: existing }, this.#resourceVersion);
    return clone(stored);
  }

  /** Deletes an object; the DELETED event carries it with the deletion's resourceVersion. */
  delete(collection: string, namespace: string | undefined, name: string): KubeObject | undefined {
    const key = keyOf(namespace, name);
    const objects = this.#collection(collection).objects;
    const existing = objects.get(key);
    if (existing === undefined) return undefined;
    objects.delete(key);
    this.#resourceVersion += 1;
    const gone = clone(existing);
    gone.metadata.resourceVersion = String(this.#resourceVersion);
    this.#commit({ collection, type: 'DELETED', object: gone, previous: existing }, this.#resourceVersion);
    return clone(gone);
  }

  /** The collection's events after `resourceVersion`, or undefined when the watch cache no longer reaches back that far. */
  since(collection: string, resourceVersion: number): StoreEvent[] | undefined {
    const c = this.#collection(collection);
    if (resourceVersion < c.watchFloor) return undefined;
    return c.history.slice(firstAfter(c.history, resourceVersion)).map((event) => clone(event));
  }

  /** Calls `listener` after every committed change (with one copy shared by all listeners: do not change it). */
  subscribe(listener: (event: StoreEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /**
   * etcd compaction through `resourceVersion`: reads at or below it are 410, and so are watches (the double
   * folds the watch cache's expiry into it).
   */
  compactThrough(resourceVersion: number): void {
    const through = Math.min(resourceVersion, this.#resourceVersion);
    if (through <= this.#compactedThrough) return;
    this.#compactedThrough = through;
    for (const c of this.#collections.values()) {
      c.history = c.history.slice(firstAfter(c.history, through));
      c.historyFloor = Math.max(c.historyFloor, through);
      c.watchFloor = Math.max(c.watchFloor, through);
      c.cached = c.history.length - firstAfter(c.history, c.watchFloor);
    }
  }

  /** Forgets all history, as a compaction at the latest version does: older watches and reads get 410 Expired. */
  compact(): void {
    this.compactThrough(this.#resourceVersion);
  }

  /**
   * An API server restart: every watch cache starts empty at the current version (watches from an older
   * one get 410); etcd keeps its history, so lists and continue tokens still read.
   */
  restartWatchCaches(): void {
    this.#cachesStartedAt = this.#resourceVersion;
    for (const c of this.#collections.values()) {
      c.watchFloor = this.#resourceVersion;
      c.cached = 0;
    }
  }
}
