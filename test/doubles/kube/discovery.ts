/** Discovery documents (/version, /api, /apis, per-group and per-version lists, aggregated discovery v2) for what the double serves. */
import type { Express, Request, Response } from 'express';
import { sendError, sendObject } from './http.js';
import type { CustomResourceDefinition } from './schema.js';
import { pathNotFound } from './status.js';

/** A served subresource as discovery lists it. */
export interface DiscoverySubresource {
  name: string;
  verbs: string[];
  kind: string;
  group?: string;
  version?: string;
}

/** A served resource as discovery lists it. */
export interface DiscoveryResource {
  group: string;
  version: string;
  resource: string;
  singular: string;
  kind: string;
  namespaced: boolean;
  verbs: string[];
  shortNames?: string[];
  categories?: string[];
  subresources?: DiscoverySubresource[];
}

const aggregatedType = 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList';
const aggregatedTypeBeta = 'application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList';

/** Which aggregated discovery version the Accept header asks for, if any. */
function aggregatedVersion(req: Request): 'v2' | 'v2beta1' | undefined {
  for (const type of (req.headers.accept ?? '').split(',')) {
    if (!/as=APIGroupDiscoveryList/.test(type) || !/g=apidiscovery\.k8s\.io/.test(type)) continue;
    if (/v=v2beta1/.test(type)) return 'v2beta1';
    if (/v=v2(;|$)/.test(type.replace(/\s/g, ''))) return 'v2';
  }
  return undefined;
}

function groups(
  resources: readonly DiscoveryResource[],
  legacy: boolean,
): Map<string, Map<string, DiscoveryResource[]>> {
  const byGroup = new Map<string, Map<string, DiscoveryResource[]>>();
  for (const r of resources) {
    if ((r.group === '') !== legacy) continue;
    const versions = byGroup.get(r.group) ?? new Map<string, DiscoveryResource[]>();
    versions.set(r.version, [...(versions.get(r.version) ?? []), r]);
    byGroup.set(r.group, versions);
  }
  return byGroup;
}

function groupVersion(group: string, version: string): string {
  return group === '' ? version : `${group}/${version}`;
}

function apiResourceList(group: string, version: string, resources: readonly DiscoveryResource[]): unknown {
  return {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion: groupVersion(group, version),
    resources: resources.flatMap((r) => [
      {
        name: r.resource,
        singularName: r.singular,
        namespaced: r.namespaced,
        kind: r.kind,
        verbs: r.verbs,
        ...(r.shortNames?.length ? { shortNames: r.shortNames } : {}),
        ...(r.categories?.length ? { categories: r.categories } : {}),
      },
      ...(r.subresources ?? []).map((s) => ({
        name: `${r.resource}/${s.name}`,
        singularName: '',
        namespaced: r.namespaced,
        ...(s.group === undefined ? {} : { group: s.group }),
        ...(s.version === undefined ? {} : { version: s.version }),
        kind: s.kind,
        verbs: s.verbs,
      })),
    ]),
  };
}

function apiGroup(group: string, versions: Iterable<string>): Record<string, unknown> {
  const list = [...versions].map((version) => ({ groupVersion: groupVersion(group, version), version }));
  return { name: group, versions: list, preferredVersion: list[0] };
}

function aggregatedList(
  byGroup: Map<string, Map<string, DiscoveryResource[]>>,
  version: 'v2' | 'v2beta1',
): unknown {
  return {
    kind: 'APIGroupDiscoveryList',
    apiVersion: `apidiscovery.k8s.io/${version}`,
    metadata: {},
    items: [...byGroup.entries()].map(([group, versions]) => ({
      metadata: { name: group, creationTimestamp: null },
      versions: [...versions.entries()].map(([v, resources]) => ({
        version: v,
        resources: resources.map((r) => ({
          resource: r.resource,
          responseKind: { group: r.group, version: r.version, kind: r.kind },
          scope: r.namespaced ? 'Namespaced' : 'Cluster',
          singularResource: r.singular,
          verbs: r.verbs,
          ...(r.shortNames?.length ? { shortNames: r.shortNames } : {}),
          ...(r.categories?.length ? { categories: r.categories } : {}),
          ...(r.subresources?.length
            ? {
                subresources: r.subresources.map((s) => ({
                  subresource: s.name,
                  responseKind: { group: s.group ?? r.group, version: s.version ?? r.version, kind: s.kind },
                  verbs: s.verbs,
                })),
              }
            : {}),
        })),
        freshness: 'Current',
      })),
    })),
  };
}

/** Mounts /version, the health paths and every discovery path, built from the served resources. */
export function mountDiscovery(
  app: Express,
  resources: readonly DiscoveryResource[],
  options: { aggregated: boolean; gitVersion: string; serverAddress: () => string },
): void {
  const sendAggregatedOr = (legacy: boolean, fallback: () => unknown) => (req: Request, res: Response) => {
    const version = options.aggregated ? aggregatedVersion(req) : undefined;
    if (version === undefined) {
      sendObject(res, 200, fallback());
      return;
    }
    res.setHeader('Content-Type', version === 'v2' ? aggregatedType : aggregatedTypeBeta);
    res.setHeader('Cache-Control', 'no-cache, private');
    res.status(200).end(JSON.stringify(aggregatedList(groups(resources, legacy), version)));
  };
  const [, major = '1', minor = '0'] = /^v(\d+)\.(\d+)/.exec(options.gitVersion) ?? [];
  app.get(['/version', '/version/'], (_req, res) =>
    sendObject(res, 200, {
      major,
      minor,
      gitVersion: options.gitVersion,
      gitCommit: '0000000000000000000000000000000000000000',
      gitTreeState: 'clean',
      buildDate: '2025-04-22T16:00:00Z',
      goVersion: 'go1.23.8',
      compiler: 'gc',
      platform: 'linux/amd64',
    }),
  );
  app.get(['/healthz', '/livez', '/readyz'], (_req, res) => {
    res.status(200).setHeader('Content-Type', 'text/plain; charset=utf-8');
    res.end('ok');
  });
  app.get(
    '/api',
    sendAggregatedOr(true, () => ({
      kind: 'APIVersions',
      versions: ['v1'],
      serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: options.serverAddress() }],
    })),
  );
  app.get(
    '/apis',
    sendAggregatedOr(false, () => ({
      kind: 'APIGroupList',
      apiVersion: 'v1',
      groups: [...groups(resources, false).entries()].map(([group, versions]) =>
        apiGroup(group, versions.keys()),
      ),
    })),
  );
  app.get('/apis/:group', (req, res) => {
    const group = String(req.params['group']);
    const versions = groups(resources, false).get(group);
    if (versions === undefined) sendError(res, pathNotFound());
    else sendObject(res, 200, { kind: 'APIGroup', apiVersion: 'v1', ...apiGroup(group, versions.keys()) });
  });
  const resourceList = (req: Request, res: Response): void => {
    const group = req.params['group'] === undefined ? '' : String(req.params['group']);
    const version = String(req.params['version']);
    const served = groups(resources, group === '')
      .get(group)
      ?.get(version);
    if (served === undefined) sendError(res, pathNotFound());
    else sendObject(res, 200, apiResourceList(group, version, served));
  };
  app.get('/api/:version', resourceList);
  app.get('/apis/:group/:version', resourceList);
}

/** What the double serves, for discovery: Events, Namespaces, Pods, Secrets, Leases, MutatingWebhookConfigurations, the reviews, and the CRD. */
export function servedResources(crd: CustomResourceDefinition): DiscoveryResource[] {
  const eventVerbs = ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'];
  const review = (group: string, resource: string, kind: string, namespaced = false): DiscoveryResource => ({
    group,
    version: 'v1',
    resource,
    singular: resource.replace(/s$/, ''),
    kind,
    namespaced,
    verbs: ['create'],
  });
  // Events are served by the core group and by events.k8s.io alike.
  const events = (group: string) => ({
    group,
    version: 'v1',
    resource: 'events',
    singular: 'event',
    kind: 'Event',
    namespaced: true,
    verbs: eventVerbs,
    shortNames: ['ev'],
  });
  return [
    events(''),
    {
      group: '',
      version: 'v1',
      resource: 'namespaces',
      singular: 'namespace',
      kind: 'Namespace',
      namespaced: false,
      verbs: ['get', 'list'],
      shortNames: ['ns'],
    },
    {
      group: '',
      version: 'v1',
      resource: 'pods',
      singular: 'pod',
      kind: 'Pod',
      namespaced: true,
      verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'],
      shortNames: ['po'],
      categories: ['all'],
      subresources: [{ name: 'status', kind: 'Pod', verbs: ['get', 'patch', 'update'] }],
    },
    {
      group: '',
      version: 'v1',
      resource: 'configmaps',
      singular: 'configmap',
      kind: 'ConfigMap',
      namespaced: true,
      verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'],
      shortNames: ['cm'],
    },
    {
      group: '',
      version: 'v1',
      resource: 'secrets',
      singular: 'secret',
      kind: 'Secret',
      namespaced: true,
      verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'],
    },
    {
      group: 'admissionregistration.k8s.io',
      version: 'v1',
      resource: 'mutatingwebhookconfigurations',
      singular: 'mutatingwebhookconfiguration',
      kind: 'MutatingWebhookConfiguration',
      namespaced: false,
      verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'],
      categories: ['api-extensions'],
    },
    {
      group: 'coordination.k8s.io',
      version: 'v1',
      resource: 'leases',
      singular: 'lease',
      kind: 'Lease',
      namespaced: true,
      verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'],
    },
    review('authentication.k8s.io', 'tokenreviews', 'TokenReview'),
    review('authorization.k8s.io', 'localsubjectaccessreviews', 'LocalSubjectAccessReview', true),
    review('authorization.k8s.io', 'selfsubjectaccessreviews', 'SelfSubjectAccessReview'),
    review('authorization.k8s.io', 'subjectaccessreviews', 'SubjectAccessReview'),
    events('events.k8s.io'),
    {
      group: crd.group,
      version: crd.version,
      resource: crd.plural,
      singular: crd.singular,
      kind: crd.kind,
      namespaced: crd.namespaced,
      verbs: ['delete', 'get', 'list', 'patch', 'create', 'update', 'watch'],
      shortNames: crd.shortNames,
      categories: crd.categories,
      subresources: [
        ...(crd.statusSubresource
          ? [{ name: 'status', kind: crd.kind, verbs: ['get', 'patch', 'update'] }]
          : []),
        ...(crd.scale
          ? [
              {
                name: 'scale',
                kind: 'Scale',
                group: 'autoscaling',
                version: 'v1',
                verbs: ['get', 'patch', 'update'],
              },
            ]
          : []),
      ],
    },
  ];
}
