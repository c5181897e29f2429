/** TokenReview, SubjectAccessReview, LocalSubjectAccessReview and SelfSubjectAccessReview: answered from the double's own tokens and rules. */
import type { Authenticator, UserInfo } from './identity.js';
import { nonResourceInfo } from './request-info.js';
import { authorize, type AccessRule, type RequestAttributes } from './rbac.js';
import { badRequest, invalid, type FieldError } from './status.js';
import { isObject, type JsonObject } from './types.js';

function reviewBody(body: unknown, apiVersion: string, kind: string): JsonObject {
  if (!isObject(body)) throw badRequest(`the object provided is unrecognized (must be of type ${kind})`);
  const givenVersion = body['apiVersion'] ?? apiVersion;
  const givenKind = body['kind'] ?? kind;
  if (givenVersion !== apiVersion || givenKind !== kind) {
    throw badRequest(
      `the API version in the data (${String(givenVersion)}) does not match the expected API version (${apiVersion})`,
    );
  }
  return body;
}

function stringsOf(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

/** authentication.k8s.io/v1 TokenReview: who the token is, for the requested audiences (the API server's by default). */
export function tokenReview(body: unknown, authenticator: Authenticator): JsonObject {
  const review = reviewBody(body, 'authentication.k8s.io/v1', 'TokenReview');
  const spec = isObject(review['spec']) ? review['spec'] : {};
  const token = typeof spec['token'] === 'string' ? spec['token'] : '';
  if (token === '') throw badRequest('token is required for TokenReview in authentication');
  const audiences = stringsOf(spec['audiences']);
  const result = authenticator.authenticate(token, audiences.length > 0 ? audiences : undefined);
  const status: JsonObject = result.ok
    ? { authenticated: true, user: result.user, audiences: result.audiences }
    : { user: {}, error: result.error };
  return {
    kind: 'TokenReview',
    apiVersion: 'authentication.k8s.io/v1',
    metadata: { creationTimestamp: null },
    spec,
    status,
  };
}

function attributesOf(spec: JsonObject, user: UserInfo): RequestAttributes {
  const resource = isObject(spec['resourceAttributes']) ? spec['resourceAttributes'] : undefined;
  const nonResource = isObject(spec['nonResourceAttributes']) ? spec['nonResourceAttributes'] : {};
  const text = (object: JsonObject, key: string): string =>
    typeof object[key] === 'string' ? String(object[key]) : '';
  if (resource !== undefined) {
    return {
      user,
      verb: text(resource, 'verb'),
      resourceRequest: true,
      apiGroup: text(resource, 'group'),
      apiVersion: text(resource, 'version'),
      resource: text(resource, 'resource'),
      subresource: text(resource, 'subresource'),
      namespace: text(resource, 'namespace'),
      name: text(resource, 'name'),
      path: '',
    };
  }
  return { user, ...nonResourceInfo(text(nonResource, 'verb'), text(nonResource, 'path')) };
}

function decided(
  kind: string,
  spec: JsonObject,
  rules: readonly AccessRule[],
  user: UserInfo,
  namespace?: string,
): JsonObject {
  const decision = authorize(rules, attributesOf(spec, user));
  const status: JsonObject = { allowed: decision.allowed };
  if (decision.reason !== '') status['reason'] = decision.reason;
  const metadata: JsonObject = { creationTimestamp: null };
  if (namespace !== undefined) metadata['namespace'] = namespace;
  return { kind, apiVersion: 'authorization.k8s.io/v1', metadata, spec, status };
}

function attributesErrors(spec: JsonObject): FieldError[] {
  const errors: FieldError[] = [];
  const hasResource = isObject(spec['resourceAttributes']);
  const hasNonResource = isObject(spec['nonResourceAttributes']);
  if (hasResource && hasNonResource) {
    errors.push({
      type: 'FieldValueInvalid',
      field: 'spec.nonResourceAttributes',
      value: spec['nonResourceAttributes'],
      detail: 'cannot be specified in combination with resourceAttributes',
    });
  }
  if (!hasResource && !hasNonResource) {
    errors.push({
      type: 'FieldValueInvalid',
      field: 'spec.resourceAttributes',
      value: null,
      detail: 'exactly one of nonResourceAttributes or resourceAttributes must be specified',
    });
  }
  return errors;
}

/** authorization.k8s.io/v1 SubjectAccessReview: may `spec.user`/`spec.groups` do what `spec.*Attributes` say? */
export function subjectAccessReview(body: unknown, rules: readonly AccessRule[]): JsonObject {
  const review = reviewBody(body, 'authorization.k8s.io/v1', 'SubjectAccessReview');
  const spec = isObject(review['spec']) ? review['spec'] : {};
  const username = typeof spec['user'] === 'string' ? spec['user'] : '';
  const groups = stringsOf(spec['groups']);
  const errors = attributesErrors(spec);
  if (username === '' && groups.length === 0) {
    errors.push({
      type: 'FieldValueInvalid',
      field: 'spec.user',
      value: '',
      detail: 'at least one of user or group must be specified',
    });
  }
  if (errors.length > 0)
    throw invalid({ group: 'authorization.k8s.io', kind: 'SubjectAccessReview' }, '', errors);
  const user: UserInfo = { username, groups };
  return decided('SubjectAccessReview', spec, rules, user);
}

/** authorization.k8s.io/v1 LocalSubjectAccessReview: a SubjectAccessReview bound to one namespace. */
export function localSubjectAccessReview(
  body: unknown,
  namespace: string,
  rules: readonly AccessRule[],
): JsonObject {
  const review = reviewBody(body, 'authorization.k8s.io/v1', 'LocalSubjectAccessReview');
  const spec = isObject(review['spec']) ? review['spec'] : {};
  const resource = isObject(spec['resourceAttributes']) ? spec['resourceAttributes'] : undefined;
  if (isObject(spec['nonResourceAttributes'])) {
    throw invalid({ group: 'authorization.k8s.io', kind: 'LocalSubjectAccessReview' }, '', [
      {
        type: 'FieldValueInvalid',
        field: 'spec.nonResourceAttributes',
        value: spec['nonResourceAttributes'],
        detail: 'disallowed on this kind of request',
      },
    ]);
  }
  if (resource === undefined || resource['namespace'] !== namespace) {
    throw badRequest(`spec.resourceAttributes.namespace must match namespace: ${namespace}`);
  }
  const username = typeof spec['user'] === 'string' ? spec['user'] : '';
  const groups = stringsOf(spec['groups']);
  if (username === '' && groups.length === 0) {
    throw invalid({ group: 'authorization.k8s.io', kind: 'LocalSubjectAccessReview' }, '', [
      {
        type: 'FieldValueInvalid',
        field: 'spec.user',
        value: '',
        detail: 'at least one of user or group must be specified',
      },
    ]);
  }
  return decided('LocalSubjectAccessReview', spec, rules, { username, groups }, namespace);
}

/** authorization.k8s.io/v1 SelfSubjectAccessReview: may the caller do it? (`kubectl auth can-i`) */
export function selfSubjectAccessReview(
  body: unknown,
  caller: UserInfo,
  rules: readonly AccessRule[],
): JsonObject {
  const review = reviewBody(body, 'authorization.k8s.io/v1', 'SelfSubjectAccessReview');
  const spec = isObject(review['spec']) ? review['spec'] : {};
  const errors = attributesErrors(spec);
  if (errors.length > 0)
    throw invalid({ group: 'authorization.k8s.io', kind: 'SelfSubjectAccessReview' }, '', errors);
  return decided('SelfSubjectAccessReview', spec, rules, caller);
}
