/** Events in core `v1` and `events.k8s.io/v1`: one stored collection (core form), converted per API version as the apiserver does. */
import { validateEvent } from './event-validation.js';
import { parseMicroTime } from './leases.js';
import { pruneTopLevel } from './metadata.js';
import {
  deletedStatus,
  jsonPatch,
  mergePatch,
  strategicMergePatch,
  type KindStrategy,
} from './resource-api.js';
import { badRequest } from './status.js';
import { printer, since, stringColumns } from './table.js';
import type { CoreEvent, JsonObject, KubeObject, ObjectReference } from './types.js';

const coreFields = new Set([
  'apiVersion',
  'kind',
  'metadata',
  'involvedObject',
  'reason',
  'message',
  'source',
  'firstTimestamp',
  'lastTimestamp',
  'count',
  'type',
  'eventTime',
  'series',
  'action',
  'related',
  'reportingComponent',
  'reportingInstance',
]);

function defined(entries: Record<string, unknown>): JsonObject {
  return Object.fromEntries(Object.entries(entries).filter(([, value]) => value !== undefined));
}

/** A stored core Event as `events.k8s.io/v1` shows it (regarding, note, reportingController, deprecated*). */
export function toEventsV1(event: KubeObject): KubeObject {
  const e = event as CoreEvent;
  return {
    kind: 'Event',
    apiVersion: 'events.k8s.io/v1',
    metadata: e.metadata,
    eventTime: e.eventTime ?? null,
    ...defined({
      series: e.series,
      reportingController: e.reportingComponent || undefined,
      reportingInstance: e.reportingInstance || undefined,
      action: e.action,
      reason: e.reason,
      regarding: e.involvedObject,
      related: e.related,
      note: e.message,
      type: e.type,
      deprecatedSource: e.source,
      deprecatedFirstTimestamp: e.firstTimestamp ?? undefined,
      deprecatedLastTimestamp: e.lastTimestamp ?? undefined,
      deprecatedCount: e.count,
    }),
  };
}

/** An `events.k8s.io/v1` Event in its stored core form. */
export function fromEventsV1(event: KubeObject): KubeObject {
  return {
    kind: 'Event',
    apiVersion: 'v1',
    metadata: event.metadata,
    involvedObject: (event['regarding'] as ObjectReference | undefined) ?? {},
    ...defined({
      reason: event['reason'],
      message: event['note'],
      source: event['deprecatedSource'],
      firstTimestamp: event['deprecatedFirstTimestamp'],
      lastTimestamp: event['deprecatedLastTimestamp'],
      count: event['deprecatedCount'],
      type: event['type'],
      eventTime: event['eventTime'],
      series: event['series'],
      action: event['action'],
      related: event['related'],
      reportingComponent: event['reportingController'],
      reportingInstance: event['reportingInstance'],
    }),
  };
}

/** A stored core Event as core `v1` shows it: the zero values the apiserver's encoder writes. */
function toCoreV1(event: KubeObject): KubeObject {
  return {
    kind: 'Event',
    apiVersion: 'v1',
    ...event,
    involvedObject: event['involvedObject'] ?? {},
    source: event['source'] ?? {},
    firstTimestamp: event['firstTimestamp'] ?? null,
    lastTimestamp: event['lastTimestamp'] ?? null,
    eventTime: event['eventTime'] ?? null,
    reportingComponent: event['reportingComponent'] ?? '',
    reportingInstance: event['reportingInstance'] ?? '',
  };
}

function reformat(value: unknown): unknown {
  if (typeof value !== 'string' || value === '') return value;
  const at = Date.parse(value);
  if (Number.isNaN(at)) return value;
  return new Date(at).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** Timestamps as the apiserver re-encodes them: metav1.Time in seconds, MicroTime with six decimals. */
function normalizeTimes(event: KubeObject): KubeObject {
  for (const key of ['firstTimestamp', 'lastTimestamp'])
    if (event[key] !== undefined) event[key] = reformat(event[key]);
  // MicroTime decodes strictly (exactly six fractional digits), as metav1.MicroTime.UnmarshalJSON does.
  const decode = (message: string): never => {
    throw badRequest(`Event in version "v1" cannot be handled as a Event: ${message}`);
  };
  const micro = (value: unknown): unknown =>
    typeof value === 'string' ? parseMicroTime(value, decode) : value;
  if (event['eventTime'] !== undefined) event['eventTime'] = micro(event['eventTime']);
  const series = event['series'];
  if (typeof series === 'object' && series !== null && 'lastObservedTime' in series) {
    (series as JsonObject)['lastObservedTime'] = micro((series as JsonObject)['lastObservedTime']);
  }
  return event;
}

const eventColumns = stringColumns([
  ['Last Seen', 0, ''],
  ['Type', 0, ''],
  ['Reason', 0, ''],
  ['Object', 0, ''],
  ['Subobject', 1, ''],
  ['Source', 1, ''],
  ['Message', 0, ''],
  ['First Seen', 1, ''],
  ['Count', 1, ''],
  ['Name', 1, 'name'],
]);

/** printEvent's cells (always wide, as server-side printing is). */
function eventCells(object: KubeObject): unknown[] {
  const e = object as CoreEvent;
  const first = e.firstTimestamp ? since(e.firstTimestamp) : since(e.eventTime);
  let last = e.lastTimestamp ? since(e.lastTimestamp) : first;
  let count = e.count ?? 0;
  if (e.series) {
    last = since(e.series.lastObservedTime);
    count = e.series.count ?? 0;
  } else if (count === 0) {
    count = 1;
  }
  const kind = (e.involvedObject?.kind ?? '').toLowerCase();
  const target = e.involvedObject?.name ? `${kind}/${e.involvedObject.name}` : kind;
  const component = e.source?.component || e.reportingComponent || '';
  const instance = e.source?.host || e.reportingInstance || '';
  const source = instance === '' ? component : `${component}, ${instance}`;
  return [
    last,
    e.type ?? '',
    e.reason ?? '',
    target,
    e.involvedObject?.fieldPath ?? '',
    source,
    (e.message ?? '').trim(),
    first,
    count,
    e.metadata.name,
  ];
}

function eventKind(version: 'core' | 'events.k8s.io'): KindStrategy {
  const core = version === 'core';
  const kind: KindStrategy = {
    group: core ? '' : 'events.k8s.io',
    version: 'v1',
    kind: 'Event',
    listKind: 'EventList',
    resource: 'events',
    collection: 'events',
    builtIn: true,
    patchTypes: [jsonPatch, mergePatch, strategicMergePatch],
    allowUnconditionalUpdate: true,
    hasGeneration: false,
    statusSubresource: false,
    fieldLabels: core
      ? [
          'metadata.name',
          'metadata.namespace',
          'involvedObject.kind',
          'involvedObject.namespace',
          'involvedObject.name',
          'involvedObject.uid',
          'involvedObject.apiVersion',
          'involvedObject.resourceVersion',
          'involvedObject.fieldPath',
          'reason',
          'reportingComponent',
          'type',
        ]
      : [
          'metadata.name',
          'metadata.namespace',
          'regarding.kind',
          'regarding.namespace',
          'regarding.name',
          'regarding.uid',
          'regarding.apiVersion',
          'regarding.resourceVersion',
          'regarding.fieldPath',
          'reason',
          'reportingController',
          'type',
        ],
    toStorage: (object) => normalizeTimes(core ? object : fromEventsV1(object)),
    toExternal: core ? toCoreV1 : toEventsV1,
    prune: pruneTopLevel(coreFields),
    validate: (object, old) => validateEvent(object, old, core ? 'v1' : 'events.k8s.io/v1'),
    table: printer(eventColumns, eventCells),
    deleteAnswer: (deleted) => deletedStatus(kind, deleted),
  };
  return kind;
}

/** Core `v1` Events. */
export const coreEventKind = eventKind('core');

/** `events.k8s.io/v1` Events (what client-go's new recorder and EventsV1Api write). */
export const eventsV1Kind = eventKind('events.k8s.io');
