/**
 * What the apiserver adds to a Pod before anyone sees it: the v1 defaulters (SetObjectDefaults_Pod, the part
 * that shows on the wire), and the built-in mutating admission plugins that run before the webhooks
 * (ServiceAccount with its kube-api-access volume, DefaultTolerationSeconds, Priority). Webhooks receive the
 * pod with all of this, and a container a webhook adds gets defaulted but gets no service-account mount.
 */
import { randomBytes } from 'node:crypto';
import { isObject, type JsonObject, type KubeObject } from './types.js';

const alphabet = 'bcdfghjklmnpqrstvwxz2456789';

/** Where the ServiceAccount plugin mounts the token, CA and namespace. */
export const serviceAccountMountPath = '/var/run/secrets/kubernetes.io/serviceaccount';

function objects(value: unknown): JsonObject[] {
  return Array.isArray(value) ? value.filter(isObject) : [];
}

/** The pod's containers and init containers (ephemeral ones are not modelled). */
export function allContainers(spec: JsonObject): JsonObject[] {
  return [...objects(spec['initContainers']), ...objects(spec['containers'])];
}

/** SetDefaults_Container's imagePullPolicy: Always for `:latest` or no tag, else IfNotPresent. */
function pullPolicy(image: unknown): string {
  if (typeof image !== 'string') return 'IfNotPresent';
  if (image.includes('@')) return 'IfNotPresent';
  const last = image.slice(image.lastIndexOf('/') + 1);
  const tag = last.includes(':') ? last.slice(last.indexOf(':') + 1) : '';
  return tag === '' || tag === 'latest' ? 'Always' : 'IfNotPresent';
}

function defaultProbe(probe: unknown): void {
  if (!isObject(probe)) return;
  probe['timeoutSeconds'] ??= 1;
  probe['periodSeconds'] ??= 10;
  probe['successThreshold'] ??= 1;
  probe['failureThreshold'] ??= 3;
  if (isObject(probe['httpGet'])) probe['httpGet']['scheme'] ??= 'HTTP';
}

function defaultContainer(container: JsonObject): void {
  container['terminationMessagePath'] ??= '/dev/termination-log';
  container['terminationMessagePolicy'] ??= 'File';
  container['imagePullPolicy'] ??= pullPolicy(container['image']);
  container['resources'] ??= {};
  for (const port of objects(container['ports'])) port['protocol'] ??= 'TCP';
  for (const env of objects(container['env'])) {
    const from = env['valueFrom'];
    if (isObject(from) && isObject(from['fieldRef'])) from['fieldRef']['apiVersion'] ??= 'v1';
  }
  for (const probe of ['livenessProbe', 'readinessProbe', 'startupProbe']) defaultProbe(container[probe]);
}

function defaultVolume(volume: JsonObject): void {
  for (const source of ['configMap', 'secret', 'projected', 'downwardAPI']) {
    const found = volume[source];
    if (isObject(found)) found['defaultMode'] ??= 420;
  }
  const projected = volume['projected'];
  if (isObject(projected)) {
    for (const source of objects(projected['sources'])) {
      const token = source['serviceAccountToken'];
      if (isObject(token)) token['expirationSeconds'] ??= 3600;
      const downward = source['downwardAPI'];
      if (isObject(downward)) {
        for (const item of objects(downward['items'])) {
          if (isObject(item['fieldRef'])) item['fieldRef']['apiVersion'] ??= 'v1';
        }
      }
    }
  }
}

/** The v1 Pod defaults, in place (also after a webhook's patch, as the dispatcher re-defaults). */
export function defaultPod(pod: KubeObject): void {
  if (!isObject(pod['spec'])) return;
  const spec = pod['spec'];
  spec['restartPolicy'] ??= 'Always';
  spec['terminationGracePeriodSeconds'] ??= 30;
  spec['dnsPolicy'] ??= 'ClusterFirst';
  spec['securityContext'] ??= {};
  spec['schedulerName'] ??= 'default-scheduler';
  spec['enableServiceLinks'] ??= true;
  for (const container of allContainers(spec)) defaultContainer(container);
  for (const volume of objects(spec['volumes'])) defaultVolume(volume);
  pod['status'] ??= {};
}

function hasToleration(tolerations: JsonObject[], key: string): boolean {
  return tolerations.some(
    (t) => t['key'] === key && (t['effect'] === 'NoExecute' || t['effect'] === undefined),
  );
}

/**
 * The mutating admission plugins a kube-apiserver runs on pod CREATE before MutatingAdmissionWebhook:
 * ServiceAccount (serviceAccountName default, the projected `kube-api-access-XXXXX` volume mounted in every
 * container unless automountServiceAccountToken is false), DefaultTolerationSeconds (300 s for not-ready and
 * unreachable) and Priority (priority 0, PreemptLowerPriority). The ServiceAccount object is not looked up.
 */
export function builtInPodAdmission(pod: KubeObject): void {
  if (!isObject(pod['spec'])) return;
  const spec = pod['spec'];
  if (typeof spec['serviceAccountName'] !== 'string' || spec['serviceAccountName'] === '') {
    spec['serviceAccountName'] =
      typeof spec['serviceAccount'] === 'string' ? spec['serviceAccount'] : 'default';
  }
  spec['serviceAccount'] = spec['serviceAccountName'];
  if (spec['automountServiceAccountToken'] !== false) {
    const containers = allContainers(spec);
    const unmounted = containers.filter(
      (c) => !objects(c['volumeMounts']).some((m) => m['mountPath'] === serviceAccountMountPath),
    );
    if (unmounted.length > 0) {
      const suffix = [...randomBytes(5)].map((b) => alphabet[b % alphabet.length]).join('');
      const name = `kube-api-access-${suffix}`;
      const volumes = objects(spec['volumes']);
      volumes.push({
        name,
        projected: {
          defaultMode: 420,
          sources: [
            { serviceAccountToken: { expirationSeconds: 3607, path: 'token' } },
            { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
            {
              downwardAPI: {
                items: [
                  { path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } },
                ],
              },
            },
          ],
        },
      });
      spec['volumes'] = volumes;
      for (const container of unmounted) {
        container['volumeMounts'] = [
          ...objects(container['volumeMounts']),
          { name, readOnly: true, mountPath: serviceAccountMountPath },
        ];
      }
    }
  }
  const tolerations = objects(spec['tolerations']);
  for (const key of ['node.kubernetes.io/not-ready', 'node.kubernetes.io/unreachable']) {
    if (!hasToleration(tolerations, key)) {
      tolerations.push({ key, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 });
    }
  }
  spec['tolerations'] = tolerations;
  spec['priority'] ??= 0;
  spec['preemptionPolicy'] ??= 'PreemptLowerPriority';
}

/** The QoS class of a pod (qos.GetPodQOS, for cpu and memory). */
export function qosClass(spec: JsonObject): 'Guaranteed' | 'Burstable' | 'BestEffort' {
  const containers = allContainers(spec);
  let any = false;
  let guaranteed = containers.length > 0;
  for (const container of containers) {
    const resources = isObject(container['resources']) ? container['resources'] : {};
    const requests = isObject(resources['requests']) ? resources['requests'] : {};
    const limits = isObject(resources['limits']) ? resources['limits'] : {};
    if (Object.keys(requests).length > 0 || Object.keys(limits).length > 0) any = true;
    for (const name of ['cpu', 'memory']) {
      const limit = limits[name];
      const request = requests[name] ?? limit;
      if (limit === undefined || String(request) !== String(limit)) guaranteed = false;
    }
  }
  if (!any) return 'BestEffort';
  return guaranteed ? 'Guaranteed' : 'Burstable';
}
