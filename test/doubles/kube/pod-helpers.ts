/**
 * Test-side access to Pods and MutatingWebhookConfigurations (no authentication, same validation and watch
 * events): seed pods, play the kubelet (status, IP, readiness), register webhooks, map Services to loopback.
 */
import type { AdmissionCall } from './admission.js';
import type { WriteOptions } from './http.js';
import type { Namespaces } from './namespaces.js';
import { builtInPodAdmission } from './pod-defaults.js';
import { mergePatch, type ResourceApi } from './resource-api.js';
import { parseLabelSelector } from './selectors.js';
import { clone, kubeTimestamp, type Pod, type PodStatus } from './types.js';
import type { MutatingWebhookConfiguration } from './webhook-configurations.js';

export interface PodHelpers {
  get(namespace: string, name: string): Pod | undefined;
  /** Stored pods (in one namespace, or all), optionally filtered by a label selector (`app=x,component in (a,b)`). */
  list(namespace?: string, labelSelector?: string): Pod[];
  /**
   * Creates (defaults and the built-in admission plugins, but no webhooks: use the API for those) or replaces
   * a pod, then writes `status` if given. Without a namespace: the double's default one.
   */
  put(pod: Pod): Pod;
  delete(namespace: string, name: string): boolean;
  /** Merges `status` into the pod's status (a merge patch of /status: lists such as conditions are replaced). */
  setStatus(namespace: string, name: string, status: PodStatus): Pod;
  /**
   * What the kubelet reports for a started pod: phase Running, podIP (default 10.0.0.<n>), every container
   * running (and Ready unless `ready: false`), native sidecars started, other init containers completed,
   * conditions PodScheduled, Initialized, ContainersReady and Ready.
   */
  markRunning(namespace: string, name: string, options?: { podIP?: string; ready?: boolean }): Pod;
}

export interface WebhookHelpers {
  /** Creates or replaces (ignoring resourceVersion) a MutatingWebhookConfiguration, validated as v1. */
  put(configuration: MutatingWebhookConfiguration): MutatingWebhookConfiguration;
  get(name: string): MutatingWebhookConfiguration | undefined;
  list(): MutatingWebhookConfiguration[];
  delete(name: string): boolean;
  /**
   * Makes `clientConfig.service` {namespace, name, port (default 443)} reach `url` (`https://127.0.0.1:PORT`):
   * the call connects there and checks the certificate for `NAME.NAMESPACE.svc`, as the API server does.
   */
  mapService(service: { namespace: string; name: string; port?: number }, url: string): void;
  /** Every webhook call so far (or refused), oldest first. */
  calls(): AdmissionCall[];
}

const strict: WriteOptions = { fieldValidation: 'Strict', dryRun: false };

export function podHelpers(context: {
  api: ResourceApi;
  namespaces: Namespaces;
  defaultNamespace: string;
}): PodHelpers {
  const { api, namespaces } = context;
  const collection = api.kind.collection;
  const helpers: PodHelpers = {
    get: (namespace, name) => api.store.get(collection, namespace, name) as Pod | undefined,
    list: (namespace, labelSelector) => {
      const matches = parseLabelSelector(labelSelector);
      return (api.store.list(collection, namespace) as Pod[]).filter((pod) =>
        matches((key) => pod.metadata.labels?.[key]),
      );
    },
    put: (pod) => {
      const body = clone(pod);
      const namespace = (body.metadata.namespace ??= context.defaultNamespace);
      namespaces.add(namespace);
      const existing = body.metadata.name
        ? api.store.get(collection, namespace, body.metadata.name)
        : undefined;
      let stored: Pod;
      if (existing !== undefined) {
        const name = existing.metadata.name ?? '';
        const resourceVersion = existing.metadata.resourceVersion;
        stored = api.replace(
          namespace,
          name,
          { ...body, metadata: { ...body.metadata, resourceVersion } },
          '',
          strict,
        ).object as Pod;
      } else {
        const prepared = api.prepareCreate(namespace, body, 'Strict');
        builtInPodAdmission(prepared.object);
        stored = api.finishCreate(prepared.object, strict, prepared.warnings).object as Pod;
      }
      if (pod.status !== undefined) {
        stored = helpers.setStatus(namespace, stored.metadata.name ?? '', pod.status);
      }
      return stored;
    },
    delete: (namespace, name) => api.store.delete(collection, namespace, name) !== undefined,
    setStatus: (namespace, name, status) =>
      api.patch(namespace, name, mergePatch, JSON.stringify({ status }), 'status', strict).object as Pod,
    markRunning: (namespace, name, options = {}) => {
      const pod = api.current(namespace, name) as Pod;
      const now = kubeTimestamp();
      const ready = options.ready ?? true;
      const count = api.store.list(collection).length;
      const podIP = options.podIP ?? `10.0.${Math.floor(count / 250)}.${(count % 250) + 2}`;
      const running = (container: { name: string; image?: string }, isReady: boolean) => ({
        name: container.name,
        image: container.image ?? '',
        imageID: '',
        containerID: `containerd://${Buffer.from(`${name}/${container.name}`).toString('hex').slice(0, 64)}`,
        ready: isReady,
        started: true,
        restartCount: 0,
        state: { running: { startedAt: now } },
      });
      const initContainerStatuses = (pod.spec.initContainers ?? []).map((c) =>
        c.restartPolicy === 'Always'
          ? running(c, ready)
          : {
              name: c.name,
              image: c.image ?? '',
              imageID: '',
              ready: true,
              started: false,
              restartCount: 0,
              state: { terminated: { exitCode: 0, reason: 'Completed', startedAt: now, finishedAt: now } },
            },
      );
      const condition = (type: string, value: boolean) => ({
        type,
        status: value ? ('True' as const) : ('False' as const),
        lastProbeTime: null,
        lastTransitionTime: now,
      });
      const status: PodStatus = {
        phase: 'Running',
        podIP,
        podIPs: [{ ip: podIP }],
        hostIP: '10.0.255.1',
        startTime: now,
        conditions: [
          condition('PodReadyToStartContainers', true),
          condition('Initialized', true),
          condition('Ready', ready),
          condition('ContainersReady', ready),
          condition('PodScheduled', true),
        ],
        containerStatuses: pod.spec.containers.map((c) => running(c, ready)),
        ...(initContainerStatuses.length > 0 ? { initContainerStatuses } : {}),
      };
      return helpers.setStatus(namespace, name, status);
    },
  };
  return helpers;
}

export function webhookHelpers(context: {
  api: ResourceApi;
  services: Map<string, string>;
  calls: AdmissionCall[];
}): WebhookHelpers {
  const { api } = context;
  const collection = api.kind.collection;
  return {
    put: (configuration) => {
      const body = clone(configuration);
      const name = body.metadata.name ?? '';
      const existing = api.store.get(collection, undefined, name);
      if (existing === undefined) return api.create('', body, strict).object as MutatingWebhookConfiguration;
      const resourceVersion = existing.metadata.resourceVersion;
      return api.replace('', name, { ...body, metadata: { ...body.metadata, resourceVersion } }, '', strict)
        .object as MutatingWebhookConfiguration;
    },
    get: (name) => api.store.get(collection, undefined, name) as MutatingWebhookConfiguration | undefined,
    list: () => api.store.list(collection) as MutatingWebhookConfiguration[],
    delete: (name) => api.store.delete(collection, undefined, name) !== undefined,
    mapService: (service, url) => {
      context.services.set(`${service.namespace}/${service.name}:${service.port ?? 443}`, url);
    },
    calls: () => context.calls.map((call) => ({ ...call })),
  };
}
