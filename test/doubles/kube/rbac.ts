/** The double's authorizer: RBAC-shaped rules per user or group, the built-in discovery roles, and the 403 sentence. */
import type { UserInfo } from './identity.js';

/**
 * One grant, shaped like an RBAC PolicyRule plus its binding: who (users, groups), what (verbs on
 * apiGroups/resources[/subresource] and resourceNames, or nonResourceURLs) and where (namespaces, as a
 * RoleBinding in each; omitted = everywhere and cluster-scoped, as a ClusterRoleBinding).
 */
export interface AccessRule {
  /** Shown in SubjectAccessReview reasons. */
  name?: string;
  users?: string[];
  groups?: string[];
  verbs: string[];
  /** `''` is the core group; `'*'` any. */
  apiGroups?: string[];
  /** `flinkdeployments`, `flinkdeployments/scale`, `*` (any), or `*` + `/scale` (any resource's scale). */
  resources?: string[];
  resourceNames?: string[];
  namespaces?: string[];
  nonResourceURLs?: string[];
}

/** What a request (or a SubjectAccessReview) asks to do, as authorizer.Attributes. */
export interface RequestAttributes {
  user: UserInfo;
  verb: string;
  resourceRequest: boolean;
  apiGroup: string;
  apiVersion: string;
  resource: string;
  subresource: string;
  namespace: string;
  name: string;
  path: string;
}

export interface Decision {
  allowed: boolean;
  reason: string;
}

/** The roles every cluster binds by default: system:public-info-viewer, system:discovery, system:basic-user. */
export const builtInRules: readonly AccessRule[] = [
  {
    name: 'system:public-info-viewer',
    groups: ['system:authenticated', 'system:unauthenticated'],
    verbs: ['get'],
    nonResourceURLs: ['/healthz', '/livez', '/readyz', '/version', '/version/'],
  },
  {
    name: 'system:discovery',
    groups: ['system:authenticated'],
    verbs: ['get'],
    nonResourceURLs: [
      '/api',
      '/api/*',
      '/apis',
      '/apis/*',
      '/openapi',
      '/openapi/*',
      '/version',
      '/version/',
    ],
  },
  {
    name: 'system:basic-user',
    groups: ['system:authenticated'],
    verbs: ['create'],
    apiGroups: ['authorization.k8s.io'],
    resources: ['selfsubjectaccessreviews', 'selfsubjectrulesreviews'],
  },
  {
    name: 'system:basic-user',
    groups: ['system:authenticated'],
    verbs: ['create'],
    apiGroups: ['authentication.k8s.io'],
    resources: ['selfsubjectreviews'],
  },
];

function subjectMatches(rule: AccessRule, user: UserInfo): string | undefined {
  if (rule.users?.includes(user.username)) return `User "${user.username}"`;
  const group = user.groups.find((g) => rule.groups?.includes(g));
  return group === undefined ? undefined : `Group "${group}"`;
}

function resourceMatches(rule: AccessRule, resource: string, subresource: string): boolean {
  const combined = subresource === '' ? resource : `${resource}/${subresource}`;
  return (rule.resources ?? []).some(
    (r) => r === '*' || r === combined || (subresource !== '' && r === `*/${subresource}`),
  );
}

function urlMatches(rule: AccessRule, path: string): boolean {
  return (rule.nonResourceURLs ?? []).some(
    (url) => url === '*' || url === path || (url.endsWith('*') && path.startsWith(url.slice(0, -1))),
  );
}

function ruleAllows(rule: AccessRule, a: RequestAttributes): boolean {
  if (!rule.verbs.includes('*') && !rule.verbs.includes(a.verb)) return false;
  if (!a.resourceRequest) return rule.namespaces === undefined && urlMatches(rule, a.path);
  if (rule.namespaces !== undefined && (a.namespace === '' || !rule.namespaces.includes(a.namespace)))
    return false;
  const groups = rule.apiGroups ?? [''];
  if (!groups.includes('*') && !groups.includes(a.apiGroup)) return false;
  if (!resourceMatches(rule, a.resource, a.subresource)) return false;
  return (
    rule.resourceNames === undefined || rule.resourceNames.length === 0 || rule.resourceNames.includes(a.name)
  );
}

/** Decides as the apiserver's authorizer chain would: system:masters may do anything, then the rules. */
export function authorize(rules: readonly AccessRule[], attributes: RequestAttributes): Decision {
  if (attributes.user.groups.includes('system:masters')) return { allowed: true, reason: '' };
  for (const [index, rule] of [...builtInRules, ...rules].entries()) {
    const subject = subjectMatches(rule, attributes.user);
    if (subject !== undefined && ruleAllows(rule, attributes)) {
      const name = rule.name ?? `rule #${index - builtInRules.length}`;
      return { allowed: true, reason: `RBAC: allowed by kube double rule "${name}" to ${subject}` };
    }
  }
  return { allowed: false, reason: '' };
}

/** The apiserver's forbiddenMessage: `User "x" cannot patch resource "flinkdeployments/scale" in API group ...`. */
export function forbiddenSentence(a: RequestAttributes): string {
  if (!a.resourceRequest) return `User "${a.user.username}" cannot ${a.verb} path "${a.path}"`;
  const resource = a.subresource === '' ? a.resource : `${a.resource}/${a.subresource}`;
  const where = a.namespace === '' ? 'at the cluster scope' : `in the namespace "${a.namespace}"`;
  return `User "${a.user.username}" cannot ${a.verb} resource "${resource}" in API group "${a.apiGroup}" ${where}`;
}
