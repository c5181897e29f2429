/** admissionregistration.k8s.io/v1 MutatingWebhookConfigurations: the v1 defaults and validation, and printing. */
import { pruneTopLevel, validateMetadata } from './metadata.js';
import {
  deletedStatus,
  jsonPatch,
  mergePatch,
  strategicMergePatch,
  type KindStrategy,
} from './resource-api.js';
import type { LabelSelector } from './selectors.js';
import type { FieldError } from './status.js';
import { printer, since, type TableColumn } from './table.js';
import { isObject, type JsonObject, type KubeObject } from './types.js';

/** One webhook of a configuration, after the v1 defaults. */
export interface MutatingWebhook {
  name: string;
  clientConfig: {
    url?: string;
    service?: { namespace: string; name: string; path?: string; port?: number };
    caBundle?: string;
  };
  rules?: {
    operations?: string[];
    apiGroups?: string[];
    apiVersions?: string[];
    resources?: string[];
    scope?: string;
  }[];
  failurePolicy: 'Fail' | 'Ignore';
  matchPolicy?: string;
  namespaceSelector: LabelSelector;
  objectSelector: LabelSelector;
  sideEffects: string;
  timeoutSeconds: number;
  admissionReviewVersions: string[];
  reinvocationPolicy: 'Never' | 'IfNeeded';
}

/** A MutatingWebhookConfiguration as stored. */
export interface MutatingWebhookConfiguration extends KubeObject {
  webhooks?: MutatingWebhook[];
}

const topLevel = new Set(['apiVersion', 'kind', 'metadata', 'webhooks']);

function objects(value: unknown): JsonObject[] {
  return Array.isArray(value) ? value.filter(isObject) : [];
}

/** SetDefaults_MutatingWebhook and SetDefaults_Rule, ServiceReference's port. */
function defaultWebhooks(object: KubeObject): void {
  for (const hook of objects(object['webhooks'])) {
    hook['failurePolicy'] ??= 'Fail';
    hook['matchPolicy'] ??= 'Equivalent';
    hook['namespaceSelector'] ??= {};
    hook['objectSelector'] ??= {};
    hook['timeoutSeconds'] ??= 10;
    hook['reinvocationPolicy'] ??= 'Never';
    for (const rule of objects(hook['rules'])) rule['scope'] ??= '*';
    const clientConfig = hook['clientConfig'];
    if (isObject(clientConfig) && isObject(clientConfig['service'])) clientConfig['service']['port'] ??= 443;
  }
}

function supported(
  errors: FieldError[],
  field: string,
  value: unknown,
  values: readonly string[],
  requiredDetail?: string,
): void {
  if (value === undefined || value === null || value === '') {
    if (requiredDetail !== undefined)
      errors.push({ type: 'FieldValueRequired', field, detail: requiredDetail });
    return;
  }
  if (typeof value !== 'string' || !values.includes(value)) {
    errors.push({
      type: 'FieldValueNotSupported',
      field,
      value,
      detail: `supported values: ${values.map((v) => JSON.stringify(v)).join(', ')}`,
    });
  }
}

function validateWebhook(hook: JsonObject, path: string, names: Set<string>, errors: FieldError[]): void {
  const name = hook['name'];
  if (typeof name !== 'string' || name === '') {
    errors.push({ type: 'FieldValueRequired', field: `${path}.name` });
  } else if (names.has(name)) {
    errors.push({ type: 'FieldValueDuplicate', field: `${path}.name`, value: name });
  } else {
    names.add(name);
    if (name.split('.').length < 3) {
      errors.push({
        type: 'FieldValueInvalid',
        field: `${path}.name`,
        value: name,
        detail: 'should be a domain with at least three segments separated by dots',
      });
    }
  }
  const versions = hook['admissionReviewVersions'];
  if (!Array.isArray(versions) || versions.length === 0) {
    errors.push({
      type: 'FieldValueRequired',
      field: `${path}.admissionReviewVersions`,
      detail: 'must specify one of v1, v1beta1',
    });
  } else if (!versions.includes('v1') && !versions.includes('v1beta1')) {
    errors.push({
      type: 'FieldValueInvalid',
      field: `${path}.admissionReviewVersions`,
      rawValue: `[]string{${versions.map((v) => JSON.stringify(v)).join(', ')}}`,
      detail: 'must include at least one of v1, v1beta1',
    });
  }
  supported(
    errors,
    `${path}.sideEffects`,
    hook['sideEffects'],
    ['None', 'NoneOnDryRun'],
    'must specify one of None, NoneOnDryRun',
  );
  supported(errors, `${path}.failurePolicy`, hook['failurePolicy'], ['Fail', 'Ignore']);
  supported(errors, `${path}.reinvocationPolicy`, hook['reinvocationPolicy'], ['IfNeeded', 'Never']);
  const timeout = hook['timeoutSeconds'];
  if (typeof timeout !== 'number' || timeout < 1 || timeout > 30) {
    errors.push({
      type: 'FieldValueInvalid',
      field: `${path}.timeoutSeconds`,
      value: timeout,
      detail: 'the timeout value must be between 1 and 30 seconds',
    });
  }
  const clientConfig = isObject(hook['clientConfig']) ? hook['clientConfig'] : {};
  const url = clientConfig['url'];
  const service = clientConfig['service'];
  if ((url === undefined) === (service === undefined)) {
    errors.push({
      type: 'FieldValueRequired',
      field: `${path}.clientConfig`,
      detail: 'exactly one of url or service is required',
    });
  } else if (typeof url === 'string' && !url.startsWith('https://')) {
    errors.push({
      type: 'FieldValueInvalid',
      field: `${path}.clientConfig.url`,
      value: url,
      detail: "'https' is the only allowed URL scheme",
    });
  } else if (service !== undefined && (!isObject(service) || !service['name'] || !service['namespace'])) {
    errors.push({
      type: 'FieldValueRequired',
      field: `${path}.clientConfig.service`,
      detail: 'service name and namespace are required',
    });
  }
  const caBundle = clientConfig['caBundle'];
  if (caBundle !== undefined && (typeof caBundle !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(caBundle))) {
    errors.push({
      type: 'FieldValueInvalid',
      field: `${path}.clientConfig.caBundle`,
      detail: 'illegal base64 data',
    });
  }
  if (hook['matchConditions'] !== undefined) {
    errors.push({
      type: 'FieldValueForbidden',
      field: `${path}.matchConditions`,
      detail: 'the kube double does not evaluate matchConditions (CEL); leave them out in tests',
    });
  }
}

function validateConfiguration(object: KubeObject): FieldError[] {
  const errors = validateMetadata(object.metadata, { nameRequired: true });
  const names = new Set<string>();
  objects(object['webhooks']).forEach((hook, index) =>
    validateWebhook(hook, `webhooks[${index}]`, names, errors),
  );
  return errors;
}

const columns: TableColumn[] = [
  { name: 'Name', type: 'string', format: 'name', description: '', priority: 0 },
  { name: 'Webhooks', type: 'integer', format: '', description: '', priority: 0 },
  { name: 'Age', type: 'string', format: '', description: '', priority: 0 },
];

/** The admissionregistration.k8s.io/v1 MutatingWebhookConfiguration kind (cluster-scoped). */
export const mutatingWebhookConfigurationKind: KindStrategy = {
  group: 'admissionregistration.k8s.io',
  version: 'v1',
  kind: 'MutatingWebhookConfiguration',
  listKind: 'MutatingWebhookConfigurationList',
  resource: 'mutatingwebhookconfigurations',
  collection: 'mutatingwebhookconfigurations.admissionregistration.k8s.io',
  builtIn: true,
  clusterScoped: true,
  patchTypes: [jsonPatch, mergePatch, strategicMergePatch],
  allowUnconditionalUpdate: true,
  hasGeneration: true,
  statusSubresource: false,
  fieldLabels: ['metadata.name'],
  toStorage: (object) => {
    defaultWebhooks(object);
    return object;
  },
  toExternal: (object) => ({
    ...object,
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'MutatingWebhookConfiguration',
  }),
  prune: pruneTopLevel(topLevel),
  validate: validateConfiguration,
  table: printer(columns, (o) => [
    o.metadata.name,
    Array.isArray(o['webhooks']) ? o['webhooks'].length : 0,
    since(o.metadata.creationTimestamp),
  ]),
  deleteAnswer: (deleted) => deletedStatus(mutatingWebhookConfigurationKind, deleted),
};
