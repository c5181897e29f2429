/** What a request asks for, read from its method and path as the apiserver's RequestInfoFactory reads it. */
import { queryBool } from './http.js';
import type { RequestAttributes } from './rbac.js';

export type RequestInfo = Omit<RequestAttributes, 'user'>;

const verbsByMethod: Record<string, string> = {
  POST: 'create',
  GET: 'get',
  HEAD: 'get',
  PUT: 'update',
  PATCH: 'patch',
  DELETE: 'delete',
};

function exactName(fieldSelector: string | undefined): string {
  if (fieldSelector === undefined) return '';
  const parts = fieldSelector.split(',').map((part) => part.trim());
  for (const part of parts) {
    const match = /^metadata\.name(?:==|=)([^,]*)$/.exec(part);
    if (match?.[1] !== undefined && !/[/%]/.test(match[1]) && match[1] !== '.' && match[1] !== '..')
      return match[1];
  }
  return '';
}

/** The attributes of a request that names no resource (a path such as /version or /openapi/v3). */
export function nonResourceInfo(verb: string, path: string): RequestInfo {
  return {
    verb,
    resourceRequest: false,
    apiGroup: '',
    apiVersion: '',
    resource: '',
    subresource: '',
    namespace: '',
    name: '',
    path,
  };
}

/** Resource attributes of `/api/v1/...` and `/apis/GROUP/VERSION/...`; anything else is a non-resource request. */
export function requestInfo(method: string, path: string, query: URLSearchParams): RequestInfo {
  const nonResource = nonResourceInfo(method.toLowerCase(), path);
  let parts = path.split('/').filter((part) => part !== '');
  if (parts.length < 3 || (parts[0] !== 'api' && parts[0] !== 'apis')) return nonResource;
  let apiGroup = '';
  if (parts[0] === 'apis') {
    if (parts.length < 4) return nonResource;
    apiGroup = parts[1] ?? '';
    parts = parts.slice(2);
  } else {
    parts = parts.slice(1);
  }
  const apiVersion = parts[0] ?? '';
  parts = parts.slice(1);
  let verb = verbsByMethod[method.toUpperCase()] ?? method.toLowerCase();
  // The deprecated /watch/ (and /proxy/) prefix: the verb comes from the path.
  if ((parts[0] === 'watch' || parts[0] === 'proxy') && parts.length > 1) {
    verb = parts[0];
    parts = parts.slice(1);
  }
  let namespace = '';
  if (parts[0] === 'namespaces' && parts.length > 1) {
    namespace = parts[1] ?? '';
    if (parts.length > 2 && parts[2] !== 'status' && parts[2] !== 'finalize') parts = parts.slice(2);
  }
  const resource = parts[0] ?? '';
  let name = parts[1] ?? '';
  const subresource = parts[2] ?? '';
  if (name === '' && verb === 'get') {
    verb = queryBool(query, 'watch') ? 'watch' : 'list';
    name = exactName(query.get('fieldSelector') ?? undefined);
  }
  if (name === '' && verb === 'delete') verb = 'deletecollection';
  return { verb, resourceRequest: true, apiGroup, apiVersion, resource, subresource, namespace, name, path };
}
