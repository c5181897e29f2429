/**
 * An in-memory Lease store that answers KubeConnection.json() as the API server does for
 * `coordination.k8s.io/v1` Leases (create 409 AlreadyExists, PUT with a stale resourceVersion 409, 404), with
 * per-connection faults: a partition (every request fails before it is sent), and answers lost after the
 * write was committed. It counts requests per connection.
 */
import { KubeError } from '../src/kube/api-error.js';
import type { KubeConnection, KubeRequest } from '../src/kube/connection.js';

interface StoredLease {
  metadata: { name: string; namespace: string; resourceVersion: string; [key: string]: unknown };
  spec: Record<string, unknown>;
  [key: string]: unknown;
}

export class FakeLeaseServer {
  readonly leases = new Map<string, StoredLease>();
  private version = 100;
  /** Every write that reached the store, in order: [connection name, holderIdentity]. */
  readonly writes: [string, string][] = [];

  connection(name: string): FakeConnection {
    return new FakeConnection(this, name);
  }

  /** Another writer changes the Lease behind the electors' backs (a bump with no change of holder). */
  touch(key: string): void {
    const lease = this.leases.get(key);
    if (lease) lease.metadata.resourceVersion = String(++this.version);
  }

  handle(name: string, request: KubeRequest): unknown {
    const match = /^\/apis\/coordination\.k8s\.io\/v1\/namespaces\/([^/]+)\/leases(?:\/([^/]+))?$/.exec(
      request.path,
    );
    if (!match) throw new KubeError('not-found', `${request.what}: HTTP 404`, 404);
    const namespace = decodeURIComponent(match[1]!);
    const body = request.body as StoredLease | undefined;
    if (request.method === 'POST') {
      const key = `${namespace}/${body!.metadata.name}`;
      if (this.leases.has(key)) {
        throw new KubeError('conflict', `${request.what}: HTTP 409: already exists`, 409);
      }
      const stored = structuredClone(body!);
      stored.metadata = { ...stored.metadata, namespace, resourceVersion: String(++this.version) };
      this.leases.set(key, stored);
      this.writes.push([name, String(stored.spec.holderIdentity)]);
      return structuredClone(stored);
    }
    const key = `${namespace}/${decodeURIComponent(match[2]!)}`;
    const stored = this.leases.get(key);
    if (stored === undefined) throw new KubeError('not-found', `${request.what}: HTTP 404`, 404);
    if (request.method === 'GET') return structuredClone(stored);
    if (request.method === 'PUT') {
      if (body?.metadata.resourceVersion === undefined) {
        throw new KubeError('invalid', `${request.what}: HTTP 422: resourceVersion required`, 422);
      }
      if (body.metadata.resourceVersion !== stored.metadata.resourceVersion) {
        throw new KubeError(
          'conflict',
          `${request.what}: HTTP 409: the object has been modified; please apply your changes to the latest version and try again`,
          409,
        );
      }
      const next = structuredClone(body);
      next.metadata = { ...stored.metadata, resourceVersion: String(++this.version) };
      this.leases.set(key, next);
      this.writes.push([name, String(next.spec.holderIdentity)]);
      return structuredClone(next);
    }
    throw new KubeError('invalid', `${request.what}: HTTP 405`, 405);
  }
}

export class FakeConnection implements Pick<KubeConnection, 'json'> {
  readonly requests: KubeRequest[] = [];
  /** Answers received: when (Date.now(), fake time), to what method, the record's renewTime and holder. */
  readonly answers: { at: number; method: string; renewTime: unknown; holder: unknown }[] = [];
  /** Nothing reaches the server (a network partition). */
  partitioned = false;
  /** Writes are committed but their answers lost (a 504 / reset after sending). */
  loseAnswers = false;
  /** How long each request takes, ms (with fake timers). */
  latencyMs = 0;

  constructor(
    private readonly server: FakeLeaseServer,
    readonly name: string,
  ) {}

  async json<T>(request: KubeRequest): Promise<T> {
    this.requests.push(request);
    if (this.latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, this.latencyMs));
    if (this.partitioned) {
      throw new KubeError('unreachable', `${request.what}: connect ECONNREFUSED`);
    }
    const answer = this.server.handle(this.name, request);
    if (this.loseAnswers && request.method !== 'GET') {
      throw new KubeError('timeout', `${request.what}: no answer within 15000 ms`, undefined, {
        mayHaveHappened: true,
      });
    }
    const spec = (answer as { spec?: { renewTime?: unknown; holderIdentity?: unknown } }).spec;
    this.answers.push({
      at: Date.now(),
      method: request.method,
      renewTime: spec?.renewTime,
      holder: spec?.holderIdentity,
    });
    return answer as T;
  }
}
