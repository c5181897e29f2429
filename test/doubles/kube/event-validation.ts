/**
 * The apiserver's Event validation (pkg/apis/core/validation/events.go), on the stored core form: the legacy
 * checks every write passes (with `eventTime` set: reporting fields, action and reason required, lengths
 * counted in bytes as Go's len counts them), and on create through events.k8s.io/v1 the strict ones (the
 * deprecated fields unset, a type, a series that makes sense).
 */
import { qualifiedNameMessages, validateMetadata } from './metadata.js';
import type { FieldError } from './status.js';
import { isObject, type CoreEvent, type KubeObject } from './types.js';

const reportingInstanceLengthLimit = 128;
const actionLengthLimit = 128;
const reasonLengthLimit = 128;
const noteLengthLimit = 1024;

const dns1123Subdomain = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** Which API the write came through: the field names and the strictness depend on it. */
export type EventApi = 'v1' | 'events.k8s.io/v1';

function unset(value: unknown): boolean {
  return value === undefined || value === null || value === '';
}

function bytes(value: unknown): number {
  return typeof value === 'string' ? Buffer.byteLength(value, 'utf8') : 0;
}

function tooLong(field: string, limit: number): FieldError {
  return { type: 'FieldValueInvalid', field, value: '', detail: `can have at most ${limit} characters` };
}

/** legacyValidateEvent. */
function legacy(event: CoreEvent, api: EventApi): FieldError[] {
  const errors: FieldError[] = [];
  const namespace = event.metadata.namespace ?? '';
  const involvedNamespace = event.involvedObject?.namespace ?? '';
  const namespaceMismatch: FieldError = {
    type: 'FieldValueInvalid',
    field: 'involvedObject.namespace',
    value: involvedNamespace,
    detail: 'does not match event.namespace',
  };
  if (unset(event.eventTime)) {
    if (involvedNamespace === '') {
      if (namespace !== '' && namespace !== 'default') errors.push(namespaceMismatch);
    } else if (namespace !== involvedNamespace) {
      errors.push(namespaceMismatch);
    }
  } else {
    if (involvedNamespace === '' && namespace !== 'default' && namespace !== 'kube-system') {
      errors.push(namespaceMismatch);
    }
    const controllerField = api === 'v1' ? 'reportingComponent' : 'reportingController';
    const controller = event.reportingComponent ?? '';
    if (controller === '') errors.push({ type: 'FieldValueRequired', field: controllerField, detail: '' });
    for (const message of qualifiedNameMessages(controller)) {
      errors.push({ type: 'FieldValueInvalid', field: controllerField, value: controller, detail: message });
    }
    if (unset(event.reportingInstance)) {
      errors.push({ type: 'FieldValueRequired', field: 'reportingInstance', detail: '' });
    }
    if (bytes(event.reportingInstance) > reportingInstanceLengthLimit) {
      errors.push(tooLong('reportingInstance', reportingInstanceLengthLimit));
    }
    if (unset(event.action)) errors.push({ type: 'FieldValueRequired', field: 'action', detail: '' });
    if (bytes(event.action) > actionLengthLimit) errors.push(tooLong('action', actionLengthLimit));
    if (unset(event.reason)) errors.push({ type: 'FieldValueRequired', field: 'reason', detail: '' });
    if (bytes(event.reason) > reasonLengthLimit) errors.push(tooLong('reason', reasonLengthLimit));
    if (bytes(event.message) > noteLengthLimit) errors.push(tooLong('message', noteLengthLimit));
  }
  if (namespace.length > 253 || !dns1123Subdomain.test(namespace)) {
    errors.push({
      type: 'FieldValueInvalid',
      field: 'namespace',
      value: namespace,
      detail:
        "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
    });
  }
  return errors;
}

/** validateV1EventSeries. */
function series(event: CoreEvent): FieldError[] {
  const errors: FieldError[] = [];
  const s = event.series;
  if (s === undefined || s === null) return errors;
  if (!isObject(s) || typeof s.count !== 'number' || s.count < 2) {
    errors.push({
      type: 'FieldValueInvalid',
      field: 'series.count',
      value: '',
      detail: 'should be at least 2',
    });
  }
  if (!isObject(s) || unset(s.lastObservedTime)) {
    errors.push({ type: 'FieldValueRequired', field: 'series.lastObservedTime', detail: '' });
  }
  return errors;
}

/** validateEventCreate's strict half, for events.k8s.io/v1. */
function strict(event: CoreEvent): FieldError[] {
  const errors = [...validateMetadata(event.metadata, { nameRequired: true }), ...series(event)];
  if (unset(event.eventTime)) errors.push({ type: 'FieldValueRequired', field: 'eventTime', detail: '' });
  if (event.type !== 'Normal' && event.type !== 'Warning') {
    errors.push({
      type: 'FieldValueInvalid',
      field: 'type',
      value: '',
      detail: `has invalid value: ${event.type ?? ''}`,
    });
  }
  const needsUnset = (field: string): FieldError => ({
    type: 'FieldValueInvalid',
    field,
    value: '',
    detail: 'needs to be unset',
  });
  if (!unset(event.firstTimestamp)) errors.push(needsUnset('firstTimestamp'));
  if (!unset(event.lastTimestamp)) errors.push(needsUnset('lastTimestamp'));
  if (typeof event.count === 'number' && event.count !== 0) errors.push(needsUnset('count'));
  if (!unset(event.source?.component) || !unset(event.source?.host)) errors.push(needsUnset('source'));
  return errors;
}

/**
 * The field errors of an Event write: the strategy's validation, then (when it passed) the generic
 * ObjectMeta checks that BeforeCreate/BeforeUpdate run after it.
 */
export function validateEvent(object: KubeObject, old: KubeObject | undefined, api: EventApi): FieldError[] {
  const event = object as CoreEvent;
  const errors = legacy(event, api);
  if (api === 'events.k8s.io/v1' && old === undefined) errors.push(...strict(event));
  if (errors.length > 0) return errors;
  return validateMetadata(event.metadata, { nameRequired: true });
}
