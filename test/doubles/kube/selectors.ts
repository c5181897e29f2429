/** Label and field selectors (`labelSelector`, `fieldSelector` query parameters) parsed and matched as the apiserver does. */
import { badRequest } from './status.js';
import { isObject } from './types.js';

type Requirement =
  | { op: 'exists' | '!exists'; key: string }
  | { op: 'in' | 'notin'; key: string; values: string[] }
  | { op: '=' | '!='; key: string; value: string };

/** A parsed selector: true when every requirement holds. */
export type Matcher = (fields: (key: string) => string | undefined) => boolean;

function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let current = '';
  for (const char of text) {
    if (char === '(') depth += 1;
    if (char === ')') depth -= 1;
    if (char === ',' && depth === 0) {
      parts.push(current);
      current = '';
    } else {
      current += char;
    }
  }
  parts.push(current);
  return parts.map((part) => part.trim()).filter((part) => part !== '');
}

function parseLabelRequirement(text: string): Requirement {
  const set = /^(\S+)\s+(in|notin)\s*\(([^)]*)\)$/.exec(text);
  if (set) {
    const values = (set[3] ?? '').split(',').map((v) => v.trim());
    return { op: set[2] as 'in' | 'notin', key: set[1] ?? '', values };
  }
  const equality = /^([^!=\s]+)\s*(==|=|!=)\s*(\S*)$/.exec(text);
  if (equality) {
    return { op: equality[2] === '!=' ? '!=' : '=', key: equality[1] ?? '', value: equality[3] ?? '' };
  }
  if (/^![^\s!=(),]+$/.test(text)) return { op: '!exists', key: text.slice(1) };
  if (/^[^\s!=(),]+$/.test(text)) return { op: 'exists', key: text };
  throw badRequest(`unable to parse requirement: found '${text}', expected: in, notin, =, ==, !=, gt, lt`);
}

function matcherOf(requirements: Requirement[]): Matcher {
  return (fields) =>
    requirements.every((r) => {
      const actual = fields(r.key);
      switch (r.op) {
        case 'exists':
          return actual !== undefined;
        case '!exists':
          return actual === undefined;
        case 'in':
          return actual !== undefined && r.values.includes(actual);
        case 'notin':
          return actual === undefined || !r.values.includes(actual);
        case '=':
          return actual === r.value;
        case '!=':
          return actual !== r.value;
      }
    });
}

/** Parses a `labelSelector` (equality- and set-based). */
export function parseLabelSelector(text: string | undefined): Matcher {
  if (text === undefined || text.trim() === '') return () => true;
  return matcherOf(splitTopLevel(text).map(parseLabelRequirement));
}

/**
 * Parses a `fieldSelector` (`=`, `==`, `!=` only). `supported` lists the field labels the resource accepts;
 * any other label gets the apiserver's 400 "field label not supported".
 */
export function parseFieldSelector(text: string | undefined, supported: readonly string[]): Matcher {
  if (text === undefined || text.trim() === '') return () => true;
  const requirements = splitTopLevel(text).map((part): Requirement => {
    const match = /^([^!=\s]+)\s*(==|=|!=)\s*(.*)$/.exec(part);
    if (!match) throw badRequest(`invalid selector: '${text}'; can't understand '${part}'`);
    const key = match[1] ?? '';
    if (!supported.includes(key)) throw badRequest(`field label not supported: ${key}`);
    return { op: match[2] === '!=' ? '!=' : '=', key, value: match[3] ?? '' };
  });
  return matcherOf(requirements);
}

/** The value at a dotted path (`involvedObject.name`) of an object, as a field selector sees it. */
export function fieldValue(object: unknown, dotted: string): string | undefined {
  let node: unknown = object;
  for (const part of dotted.split('.')) {
    if (!isObject(node)) return '';
    node = node[part];
  }
  if (node === undefined || node === null) return '';
  return typeof node === 'object' ? JSON.stringify(node) : String(node);
}

/** A metav1.LabelSelector (matchLabels, matchExpressions), as webhooks' objectSelector and namespaceSelector carry it. */
export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
}

/**
 * Does a LabelSelector select these labels? Null or `{}` selects everything (metav1.LabelSelectorAsSelector);
 * an unknown operator selects nothing (the apiserver refuses it at validation).
 */
export function selectorMatches(
  selector: LabelSelector | null | undefined,
  labels: Record<string, string> | undefined,
): boolean {
  const have = labels ?? {};
  for (const [key, value] of Object.entries(selector?.matchLabels ?? {})) {
    if (have[key] !== value) return false;
  }
  return (selector?.matchExpressions ?? []).every(({ key, operator, values = [] }) => {
    const present = Object.hasOwn(have, key);
    switch (operator) {
      case 'In':
        return present && values.includes(have[key] ?? '');
      case 'NotIn':
        return !present || !values.includes(have[key] ?? '');
      case 'Exists':
        return present;
      case 'DoesNotExist':
        return !present;
      default:
        return false;
    }
  });
}
