/** Server-side printing: `meta.k8s.io/v1` Tables for kubectl, with the columns the apiserver prints for each kind. */
import type { PrinterColumn } from './schema.js';
import { isObject, type KubeObject } from './types.js';

export interface TableColumn {
  name: string;
  type: string;
  format: string;
  description: string;
  priority: number;
}

export interface Table {
  kind: 'Table';
  apiVersion: 'meta.k8s.io/v1';
  metadata: { resourceVersion: string; continue?: string; remainingItemCount?: number };
  columnDefinitions: TableColumn[];
  rows: { cells: unknown[]; object?: unknown }[];
}

/** What each row carries besides its cells (`includeObject`: None, Metadata (default), Object). */
export type IncludeObject = 'None' | 'Metadata' | 'Object';

export function includeObjectOf(value: string | null): IncludeObject {
  return value === 'None' || value === 'Object' ? value : 'Metadata';
}

const nameColumn: TableColumn = {
  name: 'Name',
  type: 'string',
  format: 'name',
  description:
    'Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names',
  priority: 0,
};

/** A Table of objects, one row each, cells from `cells`. */
export function toTable(
  objects: readonly KubeObject[],
  columns: readonly TableColumn[],
  cells: (object: KubeObject) => unknown[],
  include: IncludeObject,
  metadata: Table['metadata'],
): Table {
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata,
    columnDefinitions: [...columns],
    rows: objects.map((object) => {
      const row: { cells: unknown[]; object?: unknown } = { cells: cells(object) };
      if (include === 'Object') row.object = object;
      if (include === 'Metadata') {
        row.object = {
          kind: 'PartialObjectMetadata',
          apiVersion: 'meta.k8s.io/v1',
          metadata: object.metadata,
        };
      }
      return row;
    }),
  };
}

function simpleJsonPath(object: unknown, jsonPath: string): unknown {
  let node = object;
  for (const key of jsonPath.replace(/^\./, '').split('.')) {
    if (!isObject(node)) return null;
    node = node[key];
  }
  return node === undefined ? null : node;
}

/** The columns and cells the apiserver prints for a custom resource: Name, then its additionalPrinterColumns. */
export function customResourceColumns(printerColumns: readonly PrinterColumn[]): {
  columns: TableColumn[];
  cells: (object: KubeObject) => unknown[];
} {
  const columns: TableColumn[] = [
    nameColumn,
    ...printerColumns.map((c) => ({
      name: c.name,
      type: c.type,
      format: c.format ?? '',
      description: c.description ?? `Custom resource definition column (in JSONPath format): ${c.jsonPath}`,
      priority: c.priority ?? 0,
    })),
  ];
  return {
    columns,
    cells: (object) => [
      object.metadata.name,
      ...printerColumns.map((c) => simpleJsonPath(object, c.jsonPath)),
    ],
  };
}

/** duration.HumanDuration: "45s", "3m20s", "5h", "2d3h". */
export function humanDuration(milliseconds: number): string {
  const seconds = Math.floor(milliseconds / 1000);
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 120) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 10) return seconds % 60 === 0 ? `${minutes}m` : `${minutes}m${seconds % 60}s`;
  if (minutes < 180) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 8) return minutes % 60 === 0 ? `${hours}h` : `${hours}h${minutes % 60}m`;
  if (hours < 48) return `${hours}h`;
  const days = Math.floor(hours / 24);
  if (hours < 24 * 8) return hours % 24 === 0 ? `${days}d` : `${days}d${hours % 24}h`;
  if (days < 365 * 2) return `${days}d`;
  const years = Math.floor(days / 365);
  if (days < 365 * 8) return days % 365 === 0 ? `${years}y` : `${years}y${days % 365}d`;
  return `${years}y`;
}

/** translateTimestampSince: the age of a timestamp, or "<unknown>" when it is unset. */
export function since(timestamp: unknown, now: number = Date.now()): string {
  if (typeof timestamp !== 'string' || timestamp === '') return '<unknown>';
  const at = Date.parse(timestamp);
  return Number.isNaN(at) ? '<unknown>' : humanDuration(now - at);
}

/** String columns from [name, priority, format] triples (priority 1: shown with -o wide). */
export function stringColumns(specs: readonly (readonly [string, number, string])[]): TableColumn[] {
  return specs.map(([name, priority, format]) => ({
    name,
    type: 'string',
    format,
    description: '',
    priority,
  }));
}

/** A kind's `table`: server-side printing of its objects with these columns and cells. */
export function printer(columns: readonly TableColumn[], cells: (object: KubeObject) => unknown[]) {
  return (
    objects: readonly KubeObject[],
    request: { includeObject: string | null; metadata: Table['metadata'] },
  ): Table => toTable(objects, columns, cells, includeObjectOf(request.includeObject), request.metadata);
}
