/**
 * A minimal OpenAPI v3 (/openapi/v3 and one document per group-version): enough for kubectl create/apply to
 * see that the server validates fields itself (the PATCH operation takes `fieldValidation`) and for
 * `kubectl explain` to find the CRD schema.
 */
import type { Express } from 'express';
import type { DiscoveryResource } from './discovery.js';
import { sendError, sendObject } from './http.js';
import type { CustomResourceDefinition } from './schema.js';
import { pathNotFound } from './status.js';

function groupVersionPath(r: { group: string; version: string }): string {
  return r.group === '' ? `api/${r.version}` : `apis/${r.group}/${r.version}`;
}

function document(resources: DiscoveryResource[], crd: CustomResourceDefinition): unknown {
  const paths: Record<string, unknown> = {};
  const schemas: Record<string, unknown> = {};
  for (const r of resources) {
    const gvk = { group: r.group, version: r.version, kind: r.kind };
    const base = `/${groupVersionPath(r)}${r.namespaced ? '/namespaces/{namespace}' : ''}/${r.resource}`;
    const query = (name: string) => ({ name, in: 'query', schema: { type: 'string', uniqueItems: true } });
    const operation = (verb: string) => ({
      operationId: `${verb}${r.kind}`,
      parameters: [query('dryRun'), query('fieldManager'), query('fieldValidation')],
      responses: { '200': { description: 'OK' } },
      'x-kubernetes-action': verb,
      'x-kubernetes-group-version-kind': gvk,
    });
    paths[base] = { post: operation('post') };
    if (r.verbs.includes('patch')) {
      paths[`${base}/{name}`] = { get: operation('get'), put: operation('put'), patch: operation('patch') };
    }
    if (r.group === crd.group && r.kind === crd.kind) {
      schemas[`${crd.group.split('.').reverse().join('.')}.${crd.version}.${crd.kind}`] = {
        ...crd.schema,
        'x-kubernetes-group-version-kind': [gvk],
      };
    }
  }
  return {
    openapi: '3.0.0',
    info: { title: 'Kubernetes (kube double)', version: 'v1.32.4' },
    paths,
    components: { schemas },
  };
}

/** Mounts /openapi/v3 (the index) and /openapi/v3/api/v1, /openapi/v3/apis/GROUP/VERSION. */
export function mountOpenApi(
  app: Express,
  resources: readonly DiscoveryResource[],
  crd: CustomResourceDefinition,
): void {
  const byGroupVersion = new Map<string, DiscoveryResource[]>();
  for (const r of resources) {
    const key = groupVersionPath(r);
    byGroupVersion.set(key, [...(byGroupVersion.get(key) ?? []), r]);
  }
  app.get('/openapi/v3', (_req, res) =>
    sendObject(res, 200, {
      paths: Object.fromEntries(
        [...byGroupVersion.keys()].map((key) => [
          key,
          { serverRelativeURL: `/openapi/v3/${key}?hash=kube-double` },
        ]),
      ),
    }),
  );
  app.get(/^\/openapi\/v3\/(api\/[^/]+|apis\/[^/]+\/[^/]+)$/, (req, res) => {
    const key = req.path.slice('/openapi/v3/'.length);
    const served = byGroupVersion.get(key);
    if (served === undefined) sendError(res, pathNotFound());
    else sendObject(res, 200, document(served, crd));
  });
}
