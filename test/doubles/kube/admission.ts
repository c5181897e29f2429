/**
 * The MutatingAdmissionWebhook plugin for pod CREATE, as k8s.io/apiserver's mutating dispatcher runs it:
 * configurations by name, webhooks in order, each called when its rules, namespaceSelector and objectSelector
 * match; an AdmissionReview v1 out, the response checked (uid, apiVersion/kind, patch and patchType), a
 * denial or a call failure turned into the apiserver's Status, a JSON Patch applied and the pod re-defaulted.
 * reinvocationPolicy IfNeeded is not implemented: every webhook runs once (as with Never).
 */
import { randomUUID } from 'node:crypto';
import type { UserInfo } from './identity.js';
import { applyJsonPatch, PatchApplyError } from './json-patch.js';
import { defaultPod } from './pod-defaults.js';
import { selectorMatches } from './selectors.js';
import { badRequest, internalError, StatusError, type Status } from './status.js';
import { clone, isObject, type JsonObject, type KubeObject } from './types.js';
import { postToWebhook, WebhookCallError } from './webhook-client.js';
import type { MutatingWebhook, MutatingWebhookConfiguration } from './webhook-configurations.js';

/** What the API server knows about the create being admitted. */
export interface CreateAttributes {
  /** The pod after decoding, defaulting and the built-in plugins; name empty when generateName is used. */
  object: KubeObject;
  namespace: string;
  user: UserInfo;
  dryRun: boolean;
  /** The request's CreateOptions (dryRun, fieldManager, fieldValidation as sent). */
  options: JsonObject;
}

/** One webhook call the double made (or refused to make), for tests to assert on. */
export interface AdmissionCall {
  configuration: string;
  webhook: string;
  /** The URL as the API server names it (with `?timeout=Ns`). */
  url: string;
  /** The AdmissionReview sent. */
  review: AdmissionReview;
  /** The parsed answer, when there was one. */
  response?: unknown;
  /**
   * allowed: no patch; patched: a patch was applied; denied: allowed false; failedOpen / failedClosed: the
   * call failed and failurePolicy decided; rejected: the dry run was refused (sideEffects) or the patch did
   * not apply.
   */
  outcome: 'allowed' | 'patched' | 'denied' | 'failedOpen' | 'failedClosed' | 'rejected';
  /** The error text, for failures. */
  error?: string;
  durationMs: number;
}

/** An admission.k8s.io/v1 AdmissionReview request as the API server sends it. */
export interface AdmissionReview {
  kind: 'AdmissionReview';
  apiVersion: 'admission.k8s.io/v1';
  request: {
    uid: string;
    kind: { group: string; version: string; kind: string };
    resource: { group: string; version: string; resource: string };
    requestKind: { group: string; version: string; kind: string };
    requestResource: { group: string; version: string; resource: string };
    name?: string;
    namespace?: string;
    operation: 'CREATE';
    userInfo: UserInfo;
    /** The pod as JSON, with `metadata.creationTimestamp: null` (not set before the store). */
    object: JsonObject;
    oldObject: null;
    dryRun: boolean;
    options: JsonObject;
  };
}

export interface AdmissionContext {
  configurations(): MutatingWebhookConfiguration[];
  /** The labels of a namespace (undefined when it does not exist). */
  namespaceLabels(namespace: string): Record<string, string> | undefined;
  /** Test-mapped Services: `NAMESPACE/NAME:PORT` → a base URL (`https://127.0.0.1:PORT`). */
  services: ReadonlyMap<string, string>;
  calls: AdmissionCall[];
}

/** An ErrCallingWebhook: subject to failurePolicy. */
class CallingWebhookError extends Error {
  override name = 'CallingWebhookError';
}

const podGvk = { group: '', version: 'v1', kind: 'Pod' };
const podGvr = { group: '', version: 'v1', resource: 'pods' };

function listOf(value: unknown): string[] {
  return Array.isArray(value) ? value.map(String) : [];
}

/** Does one of the webhook's rules match CREATE of pods (core v1, namespaced)? */
function rulesMatchPodCreate(hook: MutatingWebhook): boolean {
  return (hook.rules ?? []).some((rule) => {
    const operations = listOf(rule.operations);
    const groups = listOf(rule.apiGroups);
    const versions = listOf(rule.apiVersions);
    const resources = listOf(rule.resources);
    const scope = rule.scope ?? '*';
    return (
      (operations.includes('*') || operations.includes('CREATE')) &&
      (groups.includes('*') || groups.includes('')) &&
      (versions.includes('*') || versions.includes('v1')) &&
      resources.some((r) => {
        const [resource, sub = ''] = r.split('/', 2) as [string, string?];
        return (resource === '*' || resource === 'pods') && (sub === '*' || sub === '');
      }) &&
      (scope === '*' || scope === 'Namespaced')
    );
  });
}

/** The body of a non-2xx answer as client-go reports it. */
function unsuccessful(status: number, text: string): string {
  try {
    const parsed: unknown = JSON.parse(text);
    if (isObject(parsed) && parsed['kind'] === 'Status' && typeof parsed['message'] === 'string') {
      return parsed['message'];
    }
  } catch {
    // not a Status
  }
  if (status === 404) return 'the server could not find the requested resource';
  if (text.trim() === '')
    return `the server responded with the status code ${status} but did not return more information`;
  return `an error on the server (${JSON.stringify(text.trim())}) has prevented the request from succeeding`;
}

/** webhookerrors.ToStatusErr: the denial as the Status the client gets. */
function denial(name: string, result: unknown): StatusError {
  const given = isObject(result) ? result : {};
  const deniedBy = `admission webhook ${JSON.stringify(name)} denied the request`;
  const message = typeof given['message'] === 'string' && given['message'] !== '' ? given['message'] : '';
  const reason = typeof given['reason'] === 'string' ? given['reason'] : '';
  const code = typeof given['code'] === 'number' && given['code'] >= 400 ? given['code'] : 400;
  const status: Status = {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message:
      message !== ''
        ? `${deniedBy}: ${message}`
        : reason !== ''
          ? `${deniedBy}: ${reason}`
          : `${deniedBy} without explanation`,
    ...(reason === '' ? {} : { reason }),
    ...(isObject(given['details']) ? { details: given['details'] } : {}),
    code,
  };
  return new StatusError(status);
}

export class MutatingAdmission {
  constructor(private readonly context: AdmissionContext) {}

  /** Runs every matching webhook on a pod create; resolves with the (maybe patched) pod and the webhooks' warnings. */
  async admitPodCreate(attributes: CreateAttributes): Promise<{ object: KubeObject; warnings: string[] }> {
    let object = clone(attributes.object);
    const warnings: string[] = [];
    const configurations = [...this.context.configurations()].sort((a, b) =>
      String(a.metadata.name) < String(b.metadata.name) ? -1 : 1,
    );
    const namespaceLabels = this.context.namespaceLabels(attributes.namespace) ?? {};
    for (const configuration of configurations) {
      for (const hook of configuration.webhooks ?? []) {
        if (!rulesMatchPodCreate(hook)) continue;
        if (!selectorMatches(hook.namespaceSelector, namespaceLabels)) continue;
        if (!selectorMatches(hook.objectSelector, object.metadata.labels)) continue;
        object = await this.#call(String(configuration.metadata.name), hook, object, attributes, warnings);
      }
    }
    return { object, warnings };
  }

  #target(hook: MutatingWebhook): { displayUrl: string; connectUrl: string; serverName?: string } {
    const timeout = `timeout=${hook.timeoutSeconds}s`;
    const withTimeout = (url: string) => `${url}${url.includes('?') ? '&' : '?'}${timeout}`;
    const { url, service } = hook.clientConfig;
    if (url !== undefined) return { displayUrl: withTimeout(url), connectUrl: withTimeout(url) };
    const port = service?.port ?? 443;
    const host = `${service?.name ?? ''}.${service?.namespace ?? ''}.svc`;
    const path = service?.path ?? '';
    const displayUrl = withTimeout(`https://${host}:${port}${path}`);
    const base = this.context.services.get(`${service?.namespace ?? ''}/${service?.name ?? ''}:${port}`);
    if (base === undefined) {
      throw new CallingWebhookError(
        `failed to call webhook: Post "${displayUrl}": service "${service?.name ?? ''}" not found`,
      );
    }
    return { displayUrl, connectUrl: withTimeout(`${base.replace(/\/$/, '')}${path}`), serverName: host };
  }

  async #call(
    configuration: string,
    hook: MutatingWebhook,
    object: KubeObject,
    attributes: CreateAttributes,
    warnings: string[],
  ): Promise<KubeObject> {
    const started = Date.now();
    const review: AdmissionReview = {
      kind: 'AdmissionReview',
      apiVersion: 'admission.k8s.io/v1',
      request: {
        uid: randomUUID(),
        kind: podGvk,
        resource: podGvr,
        requestKind: podGvk,
        requestResource: podGvr,
        ...(object.metadata.name ? { name: object.metadata.name } : {}),
        namespace: attributes.namespace,
        operation: 'CREATE',
        userInfo: attributes.user,
        object: {
          kind: 'Pod',
          apiVersion: 'v1',
          ...clone(object),
          metadata: { ...clone(object.metadata), creationTimestamp: null },
        },
        oldObject: null,
        dryRun: attributes.dryRun,
        options: { kind: 'CreateOptions', apiVersion: 'meta.k8s.io/v1', ...attributes.options },
      },
    };
    const call: AdmissionCall = {
      configuration,
      webhook: hook.name,
      url: '',
      review,
      outcome: 'allowed',
      durationMs: 0,
    };
    this.context.calls.push(call);
    let finished = false;
    const finish = (outcome: AdmissionCall['outcome'], error?: string) => {
      finished = true;
      call.outcome = outcome;
      if (error !== undefined) call.error = error;
      call.durationMs = Date.now() - started;
    };
    try {
      if (attributes.dryRun && hook.sideEffects !== 'None' && hook.sideEffects !== 'NoneOnDryRun') {
        if (hook.sideEffects === undefined) throw new CallingWebhookError('Webhook SideEffects is nil');
        const refused = badRequest(`admission webhook ${JSON.stringify(hook.name)} does not support dry run`);
        finish('rejected', refused.message);
        throw refused;
      }
      const result = await this.#exchange(hook, review, call);
      warnings.push(...listOf(result['warnings']));
      if (result['allowed'] !== true) {
        const denied = denial(hook.name, result['status']);
        finish('denied', denied.message);
        throw denied;
      }
      const patched = this.#applyPatch(hook, object, result);
      finish(patched === object ? 'allowed' : 'patched');
      return patched;
    } catch (error) {
      if (!(error instanceof CallingWebhookError)) {
        if (!finished) finish('rejected', (error as Error).message);
        throw error;
      }
      const message = `failed calling webhook ${JSON.stringify(hook.name)}: ${error.message}`;
      if (hook.failurePolicy === 'Ignore') {
        finish('failedOpen', message);
        return object;
      }
      finish('failedClosed', message);
      throw internalError(message);
    }
  }

  /** The HTTP exchange and VerifyAdmissionResponse: the response's `response` object, or a CallingWebhookError. */
  async #exchange(hook: MutatingWebhook, review: AdmissionReview, call: AdmissionCall): Promise<JsonObject> {
    const target = this.#target(hook);
    call.url = target.displayUrl;
    const caBundle = hook.clientConfig.caBundle;
    let answer: { status: number; text: string };
    try {
      answer = await postToWebhook(
        {
          ...target,
          ...(caBundle ? { ca: Buffer.from(caBundle, 'base64').toString('utf8') } : {}),
          timeoutMs: hook.timeoutSeconds * 1000,
        },
        JSON.stringify(review),
      );
    } catch (error) {
      if (error instanceof WebhookCallError)
        throw new CallingWebhookError(`failed to call webhook: ${error.message}`);
      throw error;
    }
    if (answer.status < 200 || answer.status > 299) {
      throw new CallingWebhookError(`failed to call webhook: ${unsuccessful(answer.status, answer.text)}`);
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(answer.text);
    } catch (error) {
      throw new CallingWebhookError(
        `failed to call webhook: couldn't get version/kind; json parse error: ${(error as Error).message}`,
      );
    }
    call.response = parsed;
    if (!isObject(parsed) || typeof parsed['kind'] !== 'string' || parsed['kind'] === '') {
      throw new CallingWebhookError(
        `failed to call webhook: Object 'Kind' is missing in '${answer.text.trim()}'`,
      );
    }
    const invalid = (why: string) => new CallingWebhookError(`received invalid webhook response: ${why}`);
    const response = parsed['response'];
    if (!isObject(response)) throw invalid('webhook response was absent');
    const uid = typeof response['uid'] === 'string' ? response['uid'] : '';
    if (uid !== review.request.uid) {
      throw invalid(
        `expected response.uid=${JSON.stringify(review.request.uid)}, got ${JSON.stringify(uid)}`,
      );
    }
    if (parsed['apiVersion'] !== 'admission.k8s.io/v1' || parsed['kind'] !== 'AdmissionReview') {
      const [group, version] = String(parsed['apiVersion'] ?? '').includes('/')
        ? String(parsed['apiVersion']).split('/')
        : ['', String(parsed['apiVersion'] ?? '')];
      throw invalid(
        `expected webhook response of admission.k8s.io/v1, Kind=AdmissionReview, got ${group ?? ''}/${version ?? ''}, Kind=${String(parsed['kind'])}`,
      );
    }
    const patch = typeof response['patch'] === 'string' ? response['patch'] : '';
    const patchType = typeof response['patchType'] === 'string' ? response['patchType'] : '';
    if (patch !== '' && patchType === '')
      throw invalid('webhook returned response.patch but not response.patchType');
    if (patch === '' && patchType !== '')
      throw invalid('webhook returned response.patchType but not response.patch');
    if (patch !== '' && !/^[A-Za-z0-9+/]*={0,2}$/.test(patch)) {
      throw new CallingWebhookError('failed to call webhook: illegal base64 data in response.patch');
    }
    return response;
  }

  /** Applies a JSONPatch answer to the pod and re-defaults it; the same object when there is nothing to apply. */
  #applyPatch(hook: MutatingWebhook, object: KubeObject, response: JsonObject): KubeObject {
    const patch = typeof response['patch'] === 'string' ? response['patch'] : '';
    if (patch === '') return object;
    const text = Buffer.from(patch, 'base64').toString('utf8');
    let operations: unknown;
    try {
      operations = JSON.parse(text);
    } catch (error) {
      throw new CallingWebhookError(
        `received undecodable patch in webhook response: ${(error as Error).message}`,
      );
    }
    if (!Array.isArray(operations)) {
      throw new CallingWebhookError(
        'received undecodable patch in webhook response: json: cannot unmarshal object into Go value of type jsonpatch.Patch',
      );
    }
    if (operations.length === 0) return object;
    if (response['patchType'] !== 'JSONPatch') {
      throw new CallingWebhookError(`unsupported patch type ${JSON.stringify(response['patchType'])}`);
    }
    const document = { kind: 'Pod', apiVersion: 'v1', ...object };
    let patched: unknown;
    try {
      patched = applyJsonPatch(document, text);
    } catch (error) {
      if (error instanceof PatchApplyError) throw internalError(error.message);
      throw error;
    }
    if (!isObject(patched) || !isObject(patched['metadata'])) {
      throw internalError(
        `admission webhook ${JSON.stringify(hook.name)} returned a patch that makes the pod not an object`,
      );
    }
    const result = patched as KubeObject;
    defaultPod(result);
    return result;
  }
}
