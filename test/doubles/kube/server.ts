/**
 * startKubeDouble: a loopback Kubernetes API server (express 5) that kubectl and @kubernetes/client-node can use,
 * on plain http and on https (kubectl sends bearer tokens only over TLS).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import express, { type NextFunction, type Request, type Response } from 'express';
import { MutatingAdmission, type AdmissionCall } from './admission.js';
import { mountDiscovery, servedResources } from './discovery.js';
import { coreEventKind, eventsV1Kind } from './events.js';
import { Faults, isSilenced, type Fault } from './faults.js';
import { requestFilter, callerOf, type RequestRecord } from './filters.js';
import { customResourceKind, ScaleApi } from './flinkdeployments.js';
import {
  flinkDeploymentHelpers,
  notifyReplicaChanges,
  type FlinkDeploymentHelpers,
  type ReplicasChange,
} from './helpers.js';
import { bodyBytes, contentType, jsonBody, queryOf, sendError } from './http.js';
import { apiServerAudience, Authenticator, type TokenUser } from './identity.js';
import { writeKubeconfig } from './kubeconfig.js';
import { Namespaces } from './namespaces.js';
import { mountOpenApi } from './openapi.js';
import { maxWriteBytesKey } from './paced-writer.js';
import { builtInPodAdmission } from './pod-defaults.js';
import { podHelpers, webhookHelpers, type PodHelpers, type WebhookHelpers } from './pod-helpers.js';
import { podKind } from './pods.js';
import { decodeSelfSubjectAccessReview, protobufContentType } from './protobuf.js';
import type { AccessRule } from './rbac.js';
import { ResourceApi } from './resource-api.js';
import {
  localSubjectAccessReview,
  selfSubjectAccessReview,
  subjectAccessReview,
  tokenReview,
} from './reviews.js';
import { mountCreateOnly, mountResource, type CreateAdmission } from './routes.js';
import { defaultCrdPath, loadCrd, schemaOf } from './schema.js';
import { pathNotFound, requestEntityTooLarge } from './status.js';
import { ObjectStore } from './store.js';
import { selfSignedCertificate } from './tls.js';
import type { CoreEvent, FlinkDeployment, JsonObject } from './types.js';
import { leaseKind } from './leases.js';
import { secretKind } from './secrets.js';
import { configMapKind } from './configmaps.js';
import { mutatingWebhookConfigurationKind } from './webhook-configurations.js';

export type { FlinkDeploymentHelpers, PodHelpers, ReplicasChange, RequestRecord, WebhookHelpers };

export interface KubeDoubleOptions {
  /** Tokens the server accepts, and who they are. */
  users?: TokenUser[];
  /** Who may do what (besides the built-in discovery roles and `system:masters`, who may do anything). */
  rules?: AccessRule[];
  /** FlinkDeployments present from the start (validated; `status` kept as given). */
  flinkDeployments?: FlinkDeployment[];
  /** The namespace of kubeconfig contexts and of `put` without one (default `default`). */
  namespace?: string;
  /** Namespaces that exist besides `namespace`, default, kube-system, kube-public and those of seeded objects. */
  namespaces?: string[];
  /** The FlinkDeployment CRD (default: `../shared/reference/flinkdeployments.flink.apache.org-v1.yml`). */
  crdPath?: string;
  /** Treat requests without a token as `system:anonymous` (the apiserver's default) instead of 401 (default true). */
  anonymous?: boolean;
  /** Answer aggregated discovery (apidiscovery.k8s.io/v2) when asked; false makes clients fall back (default true). */
  aggregatedDiscovery?: boolean;
  /** BOOKMARK interval for watches with allowWatchBookmarks (default 60 s, as the apiserver's cacher). */
  bookmarkIntervalMs?: number;
  /**
   * Events each kind's watch cache keeps (default 100, the apiserver's default): a watch from a version
   * older than the cache reaches back gets 410 Expired.
   */
  watchCacheSize?: number;
  /** The former name of `watchCacheSize` (used when `watchCacheSize` is not given). */
  watchHistory?: number;
  /**
   * etcd compaction every this many ms (default 300_000, as the apiserver's --etcd-compaction-interval; 0
   * disables): each compacts through the version seen at the previous one, so a version becomes unwatchable
   * and unreadable (continue tokens, exact lists) 5 to 10 minutes after it was written.
   */
  compactionIntervalMs?: number;
  /** Answers and watch lines are written in pieces of at most this many bytes (default 1400, about a TLS record; 0: in one write). */
  maxWriteBytes?: number;
  /** A watch without timeoutSeconds ends after a random time in [this, twice this) seconds (default 1800, --min-request-timeout). */
  minRequestTimeoutSeconds?: number;
  /** The API server's own token audiences (default the in-cluster one). */
  apiAudiences?: string[];
  /** `/version`'s gitVersion; the gcloud kubectl dispatcher picks its kubectl by it (default v1.32.4). */
  gitVersion?: string;
}

export interface KubeDouble {
  /** `http://127.0.0.1:PORT`: for fetch and client-node (kubectl sends no token over plain http). */
  url: string;
  /** `https://127.0.0.1:PORT`, same server, with a self-signed certificate for 127.0.0.1 (`caCertificate`). */
  httpsUrl: string;
  /** PEM of the https certificate, which is its own CA. */
  caCertificate: string;
  close(): Promise<void>;
  /**
   * Writes a kubeconfig for a user (by username, or any token) and returns its path. The server is
   * `httpsUrl` with the certificate as `certificate-authority-data`, or `url` with `{ tls: false }`.
   */
  kubeconfig(user: string | { token: string }, options?: { namespace?: string; tls?: boolean }): string;
  flinkDeployments: FlinkDeploymentHelpers;
  /** Stored Events in core v1 form (both APIs write them), oldest first. */
  events(namespace?: string): CoreEvent[];
  setFault(fault: Fault): void;
  clearFaults(): void;
  /** Calls back after each committed change of `.spec.taskManager.replicas`; returns the unsubscribe function. */
  onReplicasChange(callback: (change: ReplicasChange) => void): () => void;
  addUser(user: TokenUser): void;
  addRule(rule: AccessRule): void;
  /** Adds a namespace (labels merged into an existing one's: what webhooks' namespaceSelector sees). */
  addNamespace(name: string, labels?: Record<string, string>): void;
  /** Pods: seed, read, and play the kubelet (status, IP, readiness). Creates through the API call webhooks. */
  pods: PodHelpers;
  /** MutatingWebhookConfigurations, Service mapping for `clientConfig.service`, and the calls made. */
  webhooks: WebhookHelpers;
  /** Every admission webhook call so far (the same as `webhooks.calls()`), oldest first. */
  admissionCalls(): AdmissionCall[];
  /** Every request so far, oldest first. */
  requests(): RequestRecord[];
  /** Compacts through the latest version: watches from and reads at an older resourceVersion get 410 Expired. */
  compact(): void;
  /**
   * An API server restart: every open watch and keep-alive connection is dropped (sockets destroyed; a
   * connection a `silence` fault holds stays silent), the watch caches start empty at the current version
   * (watches from an older one get an ERROR event with a 410 Expired Status); lists still work. With
   * `downMs`, the server refuses connections that long (a restart, not an HA fail-over), on the same ports.
   */
  restart(options?: { downMs?: number }): void;
  /** The latest resourceVersion. */
  resourceVersion(): string;
  /** The directory of kubeconfig files (removed by close). */
  dir: string;
}

export async function startKubeDouble(options: KubeDoubleOptions = {}): Promise<KubeDouble> {
  const crd = loadCrd(options.crdPath ?? defaultCrdPath);
  const defaultNamespace = options.namespace ?? 'default';
  const store = new ObjectStore({ watchCacheSize: options.watchCacheSize ?? options.watchHistory ?? 100 });
  const authenticator = new Authenticator(options.users ?? [], options.apiAudiences ?? [apiServerAudience]);
  const rules: AccessRule[] = [...(options.rules ?? [])];
  const faults = new Faults();
  const records: RequestRecord[] = [];
  const replicaListeners = new Set<(change: ReplicasChange) => void>();
  const openWatches = new Set<Response>();
  const watchSettings = {
    bookmarkIntervalMs: options.bookmarkIntervalMs ?? 60_000,
    open: openWatches,
    minRequestTimeoutSeconds: options.minRequestTimeoutSeconds ?? 1800,
  };
  const maxWriteBytes = options.maxWriteBytes ?? 1400;

  const namespaces = new Namespaces([
    'default',
    'kube-system',
    'kube-public',
    'kube-node-lease',
    defaultNamespace,
    ...(options.namespaces ?? []),
  ]);
  const requireNamespace = (namespace: string): void => namespaces.require(namespace);
  const flinkApi = new ResourceApi(store, customResourceKind(crd, schemaOf(crd)), requireNamespace);
  const scaleApi = new ScaleApi(flinkApi, crd);
  const coreEvents = new ResourceApi(store, coreEventKind, requireNamespace);
  const eventsV1 = new ResourceApi(store, eventsV1Kind, requireNamespace);
  const podsApi = new ResourceApi(store, podKind, requireNamespace);
  const webhooksApi = new ResourceApi(store, mutatingWebhookConfigurationKind);
  const secretsApi = new ResourceApi(store, secretKind, requireNamespace);
  const configMapsApi = new ResourceApi(store, configMapKind, requireNamespace);
  const leasesApi = new ResourceApi(store, leaseKind, requireNamespace);
  const admissionCalls: AdmissionCall[] = [];
  const services = new Map<string, string>();
  const admission = new MutatingAdmission({
    configurations: () => store.list(webhooksApi.kind.collection),
    namespaceLabels: (name) => namespaces.labels(name),
    services,
    calls: admissionCalls,
  });
  // Pod CREATE: the built-in mutating plugins (ServiceAccount, DefaultTolerationSeconds, Priority), then webhooks.
  const admitPod: CreateAdmission = async (req, res, prepared, writeOptions) => {
    builtInPodAdmission(prepared.object);
    const query = queryOf(req);
    const options: JsonObject = {};
    if (query.getAll('dryRun').length > 0) options['dryRun'] = query.getAll('dryRun');
    if (query.get('fieldManager') !== null) options['fieldManager'] = query.get('fieldManager');
    if (query.get('fieldValidation') !== null) options['fieldValidation'] = query.get('fieldValidation');
    const admitted = await admission.admitPodCreate({
      object: prepared.object,
      namespace: prepared.object.metadata.namespace ?? '',
      user: callerOf(res),
      dryRun: writeOptions.dryRun,
      options,
    });
    return { object: admitted.object, warnings: [...prepared.warnings, ...admitted.warnings] };
  };

  notifyReplicaChanges(store, flinkApi.kind.collection, crd, replicaListeners);

  const app = express();
  app.disable('x-powered-by');
  app.disable('etag');
  app.set('query parser', 'simple');
  app.use(express.raw({ type: () => true, limit: '3mb' }));
  app.use((_req: Request, res: Response, next: NextFunction) => {
    res.locals[maxWriteBytesKey] = maxWriteBytes;
    // The Go server sends no Keep-Alive header (Node's comes from this field; the socket's idle timeout stays).
    (res as unknown as { _keepAliveTimeout: number })._keepAliveTimeout = 0;
    next();
  });

  app.use(requestFilter({ authenticator, rules, faults, records, anonymous: options.anonymous !== false }));

  let address = '127.0.0.1:0';
  const served = servedResources(crd);
  mountOpenApi(app, served, crd);
  mountDiscovery(app, served, {
    aggregated: options.aggregatedDiscovery ?? true,
    gitVersion: options.gitVersion ?? 'v1.32.4',
    serverAddress: () => address,
  });
  namespaces.mount(app);
  mountResource(app, `/apis/${crd.group}/${crd.version}`, flinkApi, watchSettings, scaleApi);
  mountResource(app, '/api/v1', coreEvents, watchSettings);
  mountResource(app, '/apis/events.k8s.io/v1', eventsV1, watchSettings);
  mountResource(app, '/api/v1', podsApi, watchSettings, undefined, admitPod);
  mountResource(app, '/apis/admissionregistration.k8s.io/v1', webhooksApi, watchSettings);
  mountResource(app, '/api/v1', secretsApi, watchSettings);
  mountResource(app, '/api/v1', configMapsApi, watchSettings);
  mountResource(app, '/apis/coordination.k8s.io/v1', leasesApi, watchSettings);
  mountCreateOnly(app, '/apis/authentication.k8s.io/v1/tokenreviews', (req) =>
    tokenReview(jsonBody(req), authenticator),
  );
  mountCreateOnly(app, '/apis/authorization.k8s.io/v1/subjectaccessreviews', (req) =>
    subjectAccessReview(jsonBody(req), rules),
  );
  mountCreateOnly(app, '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews', (req, res) =>
    selfSubjectAccessReview(
      // kubectl auth can-i sends it as protobuf.
      contentType(req) === protobufContentType
        ? decodeSelfSubjectAccessReview(bodyBytes(req))
        : jsonBody(req),
      callerOf(res),
      rules,
    ),
  );
  mountCreateOnly(
    app,
    '/apis/authorization.k8s.io/v1/namespaces/:namespace/localsubjectaccessreviews',
    (req) => localSubjectAccessReview(jsonBody(req), String(req.params['namespace']), rules),
  );

  app.use((_req: Request, res: Response) => sendError(res, pathNotFound()));
  app.use((error: unknown, _req: Request, res: Response, _next: NextFunction) => {
    sendError(res, (error as { status?: number }).status === 413 ? requestEntityTooLarge() : error);
  });

  const tls = selfSignedCertificate();
  const servers: Server[] = [createServer(app), createTlsServer({ key: tls.key, cert: tls.cert }, app)];
  // Open connections (the TLS socket for https), so that a restart can drop them all.
  const sockets = new Set<Socket>();
  const track = (socket: Socket): void => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  };
  servers[0]?.on('connection', track);
  servers[1]?.on('secureConnection', track);
  let compactionTimer: NodeJS.Timeout | undefined;
  const compactionIntervalMs = options.compactionIntervalMs ?? 300_000;
  if (compactionIntervalMs > 0) {
    let mark = store.resourceVersion;
    compactionTimer = setInterval(() => {
      store.compactThrough(mark);
      mark = store.resourceVersion;
    }, compactionIntervalMs);
    compactionTimer.unref();
  }
  const ports = await Promise.all(
    servers.map(
      (server) =>
        new Promise<number>((resolve, reject) => {
          server.once('error', reject);
          server.listen(0, '127.0.0.1', () => {
            // Not left behind: a later listen's error must reach its own handler, not this settled promise.
            server.off('error', reject);
            resolve((server.address() as AddressInfo).port);
          });
        }),
    ),
  );
  let downTimer: NodeJS.Timeout | undefined;
  let closed = false;
  /**
   * Back on the port it had, as an API server restarted with a fixed --secure-port: while another process
   * holds the port (taken in the gap), it tries again every 50 ms, as the kubelet restarts a crashed one.
   * Any other error is thrown out of the timer: a double that cannot come back must fail the test run.
   */
  const relisten = (server: (typeof servers)[number], port: number) => {
    if (closed || server.listening) return;
    const onError = (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EADDRINUSE') throw error;
      downTimer = setTimeout(() => relisten(server, port), 50);
    };
    server.once('error', onError);
    server.listen(port, '127.0.0.1', () => server.off('error', onError));
  };
  const url = `http://127.0.0.1:${ports[0] ?? 0}`;
  const httpsUrl = `https://127.0.0.1:${ports[1] ?? 0}`;
  address = `127.0.0.1:${ports[1] ?? 0}`;
  const dir = mkdtempSync(join(tmpdir(), 'kube-double-'));

  const flinkDeployments = flinkDeploymentHelpers({
    api: flinkApi,
    scale: scaleApi,
    namespaces,
    defaultNamespace,
  });
  for (const object of options.flinkDeployments ?? []) flinkDeployments.put(object);

  return {
    url,
    httpsUrl,
    caCertificate: tls.cert,
    dir,
    close: async () => {
      closed = true;
      clearInterval(compactionTimer);
      clearTimeout(downTimer);
      for (const res of openWatches) res.end();
      for (const socket of sockets) socket.destroy();
      await Promise.all(
        servers.map(
          (server) =>
            new Promise<void>((resolve) => {
              server.close(() => resolve());
              server.closeAllConnections();
            }),
        ),
      );
      rmSync(dir, { recursive: true, force: true });
    },
    kubeconfig: (user, kubeconfigOptions = {}) => {
      const token = typeof user === 'string' ? authenticator.byUsername(user)?.token : user.token;
      if (token === undefined) throw new Error(`kube double: no token for user ${String(user)}`);
      const name = typeof user === 'string' ? user : `token-${records.length}-${Date.now()}`;
      const tlsOn = kubeconfigOptions.tls ?? true;
      return writeKubeconfig(dir, name, {
        server: tlsOn ? httpsUrl : url,
        token,
        namespace: kubeconfigOptions.namespace ?? defaultNamespace,
        user: name,
        ...(tlsOn ? { caCertificate: tls.cert } : {}),
      });
    },
    flinkDeployments,
    pods: podHelpers({ api: podsApi, namespaces, defaultNamespace }),
    webhooks: webhookHelpers({ api: webhooksApi, services, calls: admissionCalls }),
    admissionCalls: () => admissionCalls.map((call) => ({ ...call })),
    events: (namespace) =>
      (store.list('events', namespace) as CoreEvent[]).sort(
        (a, b) => Number(a.metadata.resourceVersion) - Number(b.metadata.resourceVersion),
      ),
    setFault: (fault) => faults.add(fault),
    clearFaults: () => faults.clear(),
    onReplicasChange: (callback) => {
      replicaListeners.add(callback);
      return () => replicaListeners.delete(callback);
    },
    addUser: (user) => authenticator.add(user),
    addRule: (rule) => rules.push(rule),
    addNamespace: (name, labels) => namespaces.add(name, labels),
    requests: () => records.map((r) => ({ ...r })),
    compact: () => store.compact(),
    restart: (restartOptions = {}) => {
      store.restartWatchCaches();
      const downMs = restartOptions.downMs ?? 0;
      if (downMs > 0) {
        clearTimeout(downTimer);
        for (const server of servers) if (server.listening) server.close();
        downTimer = setTimeout(() => servers.forEach((server, i) => relisten(server, ports[i] ?? 0)), downMs);
      }
      for (const res of openWatches) if (!isSilenced(res.socket)) res.socket?.destroy();
      for (const socket of sockets) if (!isSilenced(socket)) socket.destroy();
    },
    resourceVersion: () => String(store.resourceVersion),
  };
}
