/** Core v1 Pods: their kind strategy (defaults, the validation that matters, status subresource, field labels) and printing. */
import { pruneTopLevel, validateMetadata } from './metadata.js';
import { allContainers, defaultPod, qosClass } from './pod-defaults.js';
import {
  deletedStatus,
  jsonPatch,
  mergePatch,
  strategicMergePatch,
  type KindStrategy,
} from './resource-api.js';
import type { FieldError } from './status.js';
import { printer, since, stringColumns } from './table.js';
import { clone, isObject, jsonEqual, type JsonObject, type KubeObject } from './types.js';

const podFields = new Set(['apiVersion', 'kind', 'metadata', 'spec', 'status']);

function objects(value: unknown): JsonObject[] {
  return Array.isArray(value) ? value.filter(isObject) : [];
}

function validateContainers(spec: JsonObject, errors: FieldError[]): void {
  const seen = new Set<string>();
  const volumes = new Set(objects(spec['volumes']).map((v) => String(v['name'] ?? '')));
  for (const list of ['initContainers', 'containers'] as const) {
    objects(spec[list]).forEach((container, index) => {
      const path = `spec.${list}[${index}]`;
      const name = container['name'];
      if (typeof name !== 'string' || name === '') {
        errors.push({ type: 'FieldValueRequired', field: `${path}.name` });
      } else if (seen.has(name)) {
        errors.push({ type: 'FieldValueDuplicate', field: `${path}.name`, value: name });
      } else {
        seen.add(name);
      }
      if (typeof container['image'] !== 'string' || container['image'] === '') {
        errors.push({ type: 'FieldValueRequired', field: `${path}.image` });
      }
      const restartPolicy = container['restartPolicy'];
      if (restartPolicy !== undefined && list === 'containers') {
        errors.push({
          type: 'FieldValueForbidden',
          field: `${path}.restartPolicy`,
          detail: 'may not be set for non-init containers',
        });
      } else if (restartPolicy !== undefined && restartPolicy !== 'Always') {
        errors.push({
          type: 'FieldValueNotSupported',
          field: `${path}.restartPolicy`,
          value: restartPolicy,
          detail: 'supported values: "Always"',
        });
      }
      objects(container['volumeMounts']).forEach((mount, m) => {
        const volume = String(mount['name'] ?? '');
        if (!volumes.has(volume)) {
          errors.push({
            type: 'FieldValueNotFound',
            field: `${path}.volumeMounts[${m}].name`,
            value: volume,
          });
        }
      });
    });
  }
}

/** What ValidatePodCreate checks here: metadata, containers (names, images, restartPolicy), volumes, mounts. */
export function validatePod(pod: KubeObject): FieldError[] {
  const errors = validateMetadata(pod.metadata, { nameRequired: true });
  const spec = isObject(pod['spec']) ? pod['spec'] : {};
  if (objects(spec['containers']).length === 0) {
    errors.push({ type: 'FieldValueRequired', field: 'spec.containers' });
  }
  const volumeNames = new Set<string>();
  objects(spec['volumes']).forEach((volume, index) => {
    const name = volume['name'];
    if (typeof name !== 'string' || name === '') {
      errors.push({ type: 'FieldValueRequired', field: `spec.volumes[${index}].name` });
    } else if (volumeNames.has(name)) {
      errors.push({ type: 'FieldValueDuplicate', field: `spec.volumes[${index}].name`, value: name });
    } else {
      volumeNames.add(name);
    }
  });
  validateContainers(spec, errors);
  return errors;
}

const updatableMessage =
  'pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)';

/** The spec without what a pod update may change (ValidatePodUpdate's mungedPodSpec). */
function mungedSpec(spec: unknown): unknown {
  if (!isObject(spec)) return spec;
  const copy = clone(spec);
  for (const container of allContainers(copy)) delete container['image'];
  delete copy['activeDeadlineSeconds'];
  delete copy['tolerations'];
  delete copy['terminationGracePeriodSeconds'];
  return copy;
}

function validatePodUpdate(pod: KubeObject, old: KubeObject): FieldError[] {
  const errors = validatePod(pod);
  if (!jsonEqual(mungedSpec(pod['spec']), mungedSpec(old['spec']))) {
    errors.push({ type: 'FieldValueForbidden', field: 'spec', detail: updatableMessage });
  }
  return errors;
}

const podColumns = stringColumns([
  ['Name', 0, 'name'],
  ['Ready', 0, ''],
  ['Status', 0, ''],
  ['Restarts', 0, ''],
  ['Age', 0, ''],
  ['IP', 1, ''],
  ['Node', 1, ''],
  ['Nominated Node', 1, ''],
  ['Readiness Gates', 1, ''],
]);

function stateOf(status: JsonObject, state: string): JsonObject | undefined {
  const states = isObject(status['state']) ? status['state'] : {};
  return isObject(states[state]) ? states[state] : undefined;
}

/** printPod's cells, for what the double's pods carry (no "(5m ago)" on restarts). */
function podCells(pod: KubeObject): unknown[] {
  const spec = isObject(pod['spec']) ? pod['spec'] : {};
  const status = isObject(pod['status']) ? pod['status'] : {};
  const sidecars = new Set(
    objects(spec['initContainers'])
      .filter((c) => c['restartPolicy'] === 'Always')
      .map((c) => c['name']),
  );
  let total = objects(spec['containers']).length + sidecars.size;
  let ready = 0;
  let restarts = 0;
  let reason = String(status['reason'] ?? '') || String(status['phase'] ?? '');
  let initializing = false;
  const initStatuses = objects(status['initContainerStatuses']);
  for (const [index, container] of initStatuses.entries()) {
    restarts += Number(container['restartCount'] ?? 0);
    const terminated = stateOf(container, 'terminated');
    const waiting = stateOf(container, 'waiting');
    if (terminated !== undefined && Number(terminated['exitCode'] ?? 0) === 0) continue;
    if (sidecars.has(container['name']) && container['started'] === true) {
      if (container['ready'] === true) ready += 1;
      continue;
    }
    if (terminated !== undefined) reason = `Init:${String(terminated['reason'] ?? 'Error')}`;
    else if (waiting !== undefined && waiting['reason'] && waiting['reason'] !== 'PodInitializing')
      reason = `Init:${String(waiting['reason'])}`;
    else reason = `Init:${index}/${objects(spec['initContainers']).length}`;
    initializing = true;
    break;
  }
  if (!initializing) {
    let running = false;
    for (const container of objects(status['containerStatuses']).reverse()) {
      restarts += Number(container['restartCount'] ?? 0);
      const terminated = stateOf(container, 'terminated');
      const waiting = stateOf(container, 'waiting');
      if (waiting?.['reason']) reason = String(waiting['reason']);
      else if (terminated?.['reason']) reason = String(terminated['reason']);
      else if (terminated !== undefined) reason = `ExitCode:${String(terminated['exitCode'] ?? 0)}`;
      else if (container['ready'] === true && stateOf(container, 'running') !== undefined) {
        running = true;
        ready += 1;
      }
    }
    const readyCondition = objects(status['conditions']).some(
      (c) => c['type'] === 'Ready' && c['status'] === 'True',
    );
    if (reason === 'Completed' && running) reason = readyCondition ? 'Running' : 'NotReady';
  }
  if (pod.metadata.deletionTimestamp !== undefined) reason = 'Terminating';
  total = Math.max(total, 0);
  const none = (value: unknown): string => (typeof value === 'string' && value !== '' ? value : '<none>');
  return [
    pod.metadata.name,
    `${ready}/${total}`,
    reason,
    String(restarts),
    since(pod.metadata.creationTimestamp),
    none(status['podIP']),
    none(spec['nodeName']),
    none(status['nominatedNodeName']),
    '<none>',
  ];
}

/** The core v1 Pod kind. */
export const podKind: KindStrategy = {
  group: '',
  version: 'v1',
  kind: 'Pod',
  listKind: 'PodList',
  resource: 'pods',
  collection: 'pods',
  builtIn: true,
  patchTypes: [jsonPatch, mergePatch, strategicMergePatch],
  allowUnconditionalUpdate: true,
  hasGeneration: false,
  statusSubresource: true,
  // podStrategy's selectable fields, less spec.hostNetwork and status.podIPs.
  fieldLabels: [
    'metadata.name',
    'metadata.namespace',
    'spec.nodeName',
    'spec.restartPolicy',
    'spec.schedulerName',
    'spec.serviceAccountName',
    'status.phase',
    'status.podIP',
    'status.nominatedNodeName',
  ],
  toStorage: (object) => {
    defaultPod(object);
    return object;
  },
  toExternal: (object) => ({ ...object, apiVersion: 'v1', kind: 'Pod' }),
  prune: pruneTopLevel(podFields),
  validate: (object, old) => (old === undefined ? validatePod(object) : validatePodUpdate(object, old)),
  prepareForCreate: (object) => {
    const spec = isObject(object['spec']) ? object['spec'] : {};
    object['status'] = { phase: 'Pending', qosClass: qosClass(spec) };
  },
  table: printer(podColumns, podCells),
  deleteAnswer: (deleted) => deletedStatus(podKind, deleted),
};
