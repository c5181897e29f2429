/** Generic list/get/create/update/patch/delete of one kind over the store, following the apiserver's generic registry. */
import { randomBytes, randomUUID } from 'node:crypto';
import type { FieldValidation, WriteOptions } from './http.js';
import { applyJsonPatch, applyMergePatch, PatchApplyError, PatchDecodeError } from './json-patch.js';
import { fieldValue, parseFieldSelector, parseLabelSelector } from './selectors.js';
import {
  alreadyExists,
  badRequest,
  conflict,
  expired,
  tooLargeResourceVersion,
  invalid,
  notFound,
  patchNotApplicable,
  unsupportedMediaType,
  type FieldError,
  type GroupResource,
  StatusError,
  type Status,
} from './status.js';
import type { ObjectStore } from './store.js';
import type { Table } from './table.js';
import { clone, isObject, jsonEqual, kubeTimestamp, type JsonObject, type KubeObject } from './types.js';

export const mergePatch = 'application/merge-patch+json';
export const jsonPatch = 'application/json-patch+json';
export const strategicMergePatch = 'application/strategic-merge-patch+json';
export const applyPatch = 'application/apply-patch+yaml';

/** What differs between kinds: names, conversion, pruning and validation, status handling. */
export interface KindStrategy {
  group: string;
  version: string;
  kind: string;
  listKind: string;
  resource: string;
  /** The store collection; two API versions of one kind share it. */
  collection: string;
  /** Built-in kinds omit apiVersion/kind on list items; custom resources keep them. */
  builtIn: boolean;
  /** Content types PATCH accepts, in the order the 415 message lists them. */
  patchTypes: readonly string[];
  /** May an update omit metadata.resourceVersion? (false for custom resources) */
  allowUnconditionalUpdate: boolean;
  /** Does PUT of a missing object create it (Leases, Events)? Default false: 404. */
  allowCreateOnUpdate?: boolean;
  /** Does metadata.generation count spec changes? */
  hasGeneration: boolean;
  /** With a status subresource, the main resource ignores status and /status ignores the rest. */
  statusSubresource: boolean;
  /** Field labels a fieldSelector may use. */
  fieldLabels: readonly string[];
  /** Cluster-scoped kinds (MutatingWebhookConfiguration) have no namespace; default namespaced. */
  clusterScoped?: boolean;
  /** The strategy's PrepareForCreate, run after admission (pods: status Pending and its QoS class). */
  prepareForCreate?(object: KubeObject): void;
  /** From the wire form of this version to the stored form, and back. */
  toStorage(object: KubeObject): KubeObject;
  toExternal(object: KubeObject): KubeObject;
  /** Drops unknown fields in place (stored form); returns their paths. */
  prune(object: KubeObject): string[];
  /** Validation of the stored form about to be written. */
  validate(object: KubeObject, old: KubeObject | undefined): FieldError[];
  /** Server-side printing of stored objects. */
  table(objects: KubeObject[], request: { includeObject: string | null; metadata: Table['metadata'] }): Table;
  /** What DELETE answers: the deleted object (custom resources) or a Success Status. */
  deleteAnswer(deleted: KubeObject): unknown;
  /** A create body sent as protobuf, in its JSON form (built-in kinds kubectl's typed clients send so). */
  fromProtobuf?(body: Buffer): unknown;
}

export interface WriteResult {
  object: KubeObject;
  warnings: string[];
  code: number;
}

export interface ListOptions {
  labelSelector?: string | null;
  fieldSelector?: string | null;
  limit?: string | null;
  continue?: string | null;
  resourceVersion?: string | null;
  resourceVersionMatch?: string | null;
}

/** ValidateObjectMetaUpdate: an object being deleted takes no new finalizers. */
function finalizerErrors(next: KubeObject, old: KubeObject): FieldError[] {
  if (old.metadata.deletionTimestamp === undefined) return [];
  const before = new Set(old.metadata.finalizers ?? []);
  const added = (next.metadata.finalizers ?? []).filter((f) => !before.has(f));
  if (added.length === 0) return [];
  return [
    {
      type: 'FieldValueForbidden',
      field: 'metadata.finalizers',
      detail: `no new finalizers can be added if the object is being deleted, found new finalizers []string{${added.map((f) => JSON.stringify(f)).join(', ')}}`,
    },
  ];
}

function keyOf(object: KubeObject): string {
  return `${object.metadata.namespace ?? ''}/${object.metadata.name ?? ''}`;
}

/** A continue token as the etcd3 store encodes it: the version of the first page and the key to go on after. */
function encodeContinue(rv: number, start: string): string {
  return Buffer.from(JSON.stringify({ v: 'meta.k8s.io/v1', rv, start })).toString('base64url');
}

function decodeContinue(token: string): { rv: number; start: string } {
  try {
    const decoded = JSON.parse(Buffer.from(token, 'base64url').toString()) as {
      v?: unknown;
      rv?: unknown;
      start?: unknown;
    };
    if (decoded.v !== 'meta.k8s.io/v1') throw new Error('unknown version');
    if (typeof decoded.rv !== 'number' || typeof decoded.start !== 'string') throw new Error('malformed');
    if (decoded.rv === 0) throw new Error('incorrect encoded start resourceVersion (version meta.k8s.io/v1)');
    return { rv: decoded.rv, start: decoded.start };
  } catch {
    throw badRequest('continue key is not valid: illegal base64 data at input byte 0');
  }
}

/**
 * 410 for a continue token whose snapshot was compacted: the Status carries a fresh token (rv -1: go on at
 * the latest version), as etcd3's handleCompactedErrorForPaging answers.
 */
function continueExpired(start: string): StatusError {
  const error = expired(
    'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.',
  );
  error.status.metadata = { continue: encodeContinue(-1, start) };
  return error;
}

function parseResourceVersion(value: string): number {
  if (!/^\d+$/.test(value)) {
    throw badRequest(
      `invalid resource version: strconv.ParseUint: parsing ${JSON.stringify(value)}: invalid syntax`,
    );
  }
  return Number(value);
}

/** ValidateListOptions of a list (not a watch): 422 ListOptions Invalid. */
function validateListOptions(options: ListOptions): void {
  const match = options.resourceVersionMatch ?? '';
  if (match === '') return;
  const errors: FieldError[] = [];
  if ((options.resourceVersion ?? '') === '') {
    errors.push({
      type: 'FieldValueForbidden',
      field: 'resourceVersionMatch',
      detail: 'resourceVersionMatch is forbidden unless resourceVersion is provided',
    });
  }
  if ((options.continue ?? '') !== '') {
    errors.push({
      type: 'FieldValueForbidden',
      field: 'resourceVersionMatch',
      detail: 'resourceVersionMatch is forbidden when continue is provided',
    });
  }
  if (match !== 'Exact' && match !== 'NotOlderThan') {
    errors.push({
      type: 'FieldValueNotSupported',
      field: 'resourceVersionMatch',
      value: match,
      detail: 'supported values: "Exact", "NotOlderThan", ""',
    });
  }
  if (match === 'Exact' && options.resourceVersion === '0') {
    errors.push({
      type: 'FieldValueForbidden',
      field: 'resourceVersionMatch',
      detail: 'resourceVersionMatch "exact" is forbidden for resourceVersion "0"',
    });
  }
  if (errors.length > 0) throw invalid({ group: 'meta.k8s.io', kind: 'ListOptions' }, '', errors);
}

const generateNameAlphabet = 'bcdfghjklmnpqrstvwxz2456789';

function generatedSuffix(): string {
  return [...randomBytes(5)].map((byte) => generateNameAlphabet[byte % generateNameAlphabet.length]).join('');
}

function specOf(object: KubeObject): JsonObject {
  const { metadata: _m, status: _s, apiVersion: _a, kind: _k, ...rest } = object;
  return rest;
}

export class ResourceApi {
  constructor(
    readonly store: ObjectStore,
    readonly kind: KindStrategy,
    /** Throws when a namespace does not exist (the NamespaceLifecycle admission plugin). */
    readonly requireNamespace: (namespace: string) => void = () => {},
  ) {}

  get apiVersion(): string {
    return this.kind.group === '' ? this.kind.version : `${this.kind.group}/${this.kind.version}`;
  }

  get groupResource(): GroupResource {
    return { group: this.kind.group, resource: this.kind.resource };
  }

  #invalid(name: string, errors: FieldError[]): StatusError {
    return invalid({ group: this.kind.group, kind: this.kind.kind }, name, errors);
  }

  /** The stored object, or 404. */
  current(namespace: string, name: string): KubeObject {
    const found = this.store.get(this.kind.collection, namespace, name);
    if (found === undefined) throw notFound(this.groupResource, name);
    return found;
  }

  get(namespace: string, name: string): KubeObject {
    return this.kind.toExternal(this.current(namespace, name));
  }

  /** A predicate for the label and field selectors of a list or watch (on stored objects). */
  matcher(options: ListOptions): (object: KubeObject) => boolean {
    const labels = parseLabelSelector(options.labelSelector ?? undefined);
    const fields = parseFieldSelector(options.fieldSelector ?? undefined, this.kind.fieldLabels);
    return (object) =>
      labels((key) => object.metadata.labels?.[key]) &&
      fields((key) => fieldValue(this.kind.toExternal(object), key));
  }

  /**
   * Stored objects matching the options (one namespace, or all when namespace is undefined), one page of
   * them, read as etcd reads: now, at an exact older version, or at the first page's version for a
   * continue token (410 once compaction took it).
   */
  listStored(
    namespace: string | undefined,
    options: ListOptions,
  ): {
    items: KubeObject[];
    metadata: { resourceVersion: string; continue?: string; remainingItemCount?: number };
  } {
    validateListOptions(options);
    const collection = this.kind.collection;
    const current = this.store.resourceVersion;
    let readAt = current;
    let start: string | undefined;
    if (options.continue) {
      const token = decodeContinue(options.continue);
      start = token.start;
      if (token.rv !== -1) {
        if (token.rv < this.store.historyFloor(collection)) throw continueExpired(token.start);
        readAt = token.rv;
      }
    } else if (options.resourceVersion) {
      const requested = parseResourceVersion(options.resourceVersion);
      if (requested > current) throw tooLargeResourceVersion(requested, current);
      if (options.resourceVersionMatch === 'Exact') {
        if (requested < this.store.historyFloor(collection)) {
          throw expired('The resourceVersion for the provided list is too old.');
        }
        readAt = requested;
      }
    }
    const all = this.store.listAt(collection, readAt, namespace);
    if (all === undefined) throw expired('The resourceVersion for the provided list is too old.');
    const matches = this.matcher(options);
    let items = all.filter(matches);
    if (start !== undefined) {
      const after = start;
      items = items.filter((o) => keyOf(o) > after);
    }
    const resourceVersion = String(readAt);
    const limit = Number(options.limit ?? 0);
    if (limit > 0 && items.length > limit) {
      const page = items.slice(0, limit);
      const last = page[page.length - 1];
      const token = encodeContinue(readAt, last === undefined ? '' : keyOf(last));
      return {
        items: page,
        metadata: { resourceVersion, continue: token, remainingItemCount: items.length - limit },
      };
    }
    return { items, metadata: { resourceVersion } };
  }

  /** The list object as the wire carries it. */
  list(namespace: string | undefined, options: ListOptions): JsonObject {
    const { items, metadata } = this.listStored(namespace, options);
    return {
      apiVersion: this.apiVersion,
      kind: this.kind.listKind,
      metadata,
      items: items.map((item) => {
        const external = this.kind.toExternal(item);
        if (!this.kind.builtIn) return external;
        const { apiVersion: _a, kind: _k, ...rest } = external;
        return rest;
      }),
    };
  }

  /** Decodes a request body into this kind, or 400 as the apiserver's decoder answers. */
  decode(body: unknown): KubeObject {
    if (!isObject(body))
      throw badRequest(`the object provided is unrecognized (must be of type ${this.kind.kind})`);
    if (this.kind.builtIn) {
      // Built-in kinds default a missing apiVersion/kind from the URL.
      body['apiVersion'] ??= this.apiVersion;
      body['kind'] ??= this.kind.kind;
    }
    const { apiVersion, kind } = body;
    if (typeof kind !== 'string' || kind === '') {
      throw badRequest(`Object 'Kind' is missing in '${JSON.stringify(body)}'`);
    }
    if (apiVersion !== this.apiVersion || kind !== this.kind.kind) {
      throw badRequest(
        `the API version in the data (${String(apiVersion)}) does not match the expected API version (${this.apiVersion})`,
      );
    }
    if (body['metadata'] === undefined) body['metadata'] = {};
    if (!isObject(body['metadata'])) throw badRequest('metadata: must be an object');
    return body as KubeObject;
  }

  /** Prunes unknown fields; Strict rejects them as the decoder does, Warn reports them. */
  #unknownFields(
    object: KubeObject,
    validation: FieldValidation,
    onStrict: (message: string) => StatusError,
  ): string[] {
    const unknown = this.kind.prune(object);
    if (unknown.length === 0 || validation === 'Ignore') return [];
    if (validation === 'Strict') {
      throw onStrict(`strict decoding error: ${unknown.map((f) => `unknown field "${f}"`).join(', ')}`);
    }
    return unknown.map((f) => `unknown field "${f}"`);
  }

  #decodeError(message: string): StatusError {
    return badRequest(
      `${this.kind.kind} in version "${this.kind.version}" cannot be handled as a ${this.kind.kind}: ${message}`,
    );
  }

  #commit(stored: KubeObject, old: KubeObject | undefined, options: WriteOptions): KubeObject {
    if (options.dryRun) {
      // Nothing stored; a dry-run create still gets what BeforeCreate fills (uid, creationTimestamp).
      if (old === undefined) {
        stored.metadata.uid = randomUUID();
        stored.metadata.creationTimestamp = kubeTimestamp();
      }
      return stored;
    }
    if (old === undefined) return this.store.create(this.kind.collection, stored);
    if (stored.metadata.deletionTimestamp !== undefined && (stored.metadata.finalizers ?? []).length === 0) {
      // The last finalizer went from an object being deleted: the update deletes it (only a DELETED event).
      const gone = this.store.delete(
        this.kind.collection,
        stored.metadata.namespace,
        stored.metadata.name ?? '',
      );
      return gone ?? stored;
    }
    return this.store.replace(this.kind.collection, stored);
  }

  /** POST: a new object in `namespace` (`''` for cluster-scoped kinds), without admission webhooks. */
  create(namespace: string, body: unknown, options: WriteOptions): WriteResult {
    const { object, warnings } = this.prepareCreate(namespace, body);
    return this.finishCreate(object, options, warnings);
  }

  /**
   * The first half of a create, up to where the apiserver runs admission: decode, prune, the namespace
   * set from the request (EnsureObjectNamespaceMatchesRequestNamespace), system fields dropped. The name
   * is not generated yet: webhooks see an empty name with generateName.
   */
  prepareCreate(
    namespace: string,
    body: unknown,
    fieldValidation: FieldValidation = 'Warn',
  ): { object: KubeObject; warnings: string[] } {
    const object = this.kind.toStorage(this.decode(body));
    const warnings = this.#unknownFields(object, fieldValidation, (m) => this.#decodeError(m));
    const meta = object.metadata;
    if (this.kind.clusterScoped) {
      delete meta.namespace;
    } else {
      if (meta.namespace !== undefined && meta.namespace !== '' && meta.namespace !== namespace) {
        throw badRequest(
          'the namespace of the provided object does not match the namespace sent on the request',
        );
      }
      meta.namespace = namespace;
      this.requireNamespace(namespace);
    }
    for (const key of [
      'uid',
      'resourceVersion',
      'creationTimestamp',
      'deletionTimestamp',
      'deletionGracePeriodSeconds',
      'managedFields',
      'selfLink',
    ]) {
      delete meta[key];
    }
    return { object, warnings };
  }

  /** The second half of a create, after admission: generated name, PrepareForCreate, validation, store. */
  finishCreate(object: KubeObject, options: WriteOptions, warnings: string[]): WriteResult {
    const meta = object.metadata;
    const namespace = this.kind.clusterScoped ? undefined : (meta.namespace ?? '');
    if (
      (meta.name === undefined || meta.name === '') &&
      typeof meta.generateName === 'string' &&
      meta.generateName !== ''
    ) {
      meta.name = `${meta.generateName}${generatedSuffix()}`;
    }
    if (this.kind.hasGeneration) meta.generation = 1;
    if (this.kind.statusSubresource) delete object['status'];
    this.kind.prepareForCreate?.(object);
    const errors = this.kind.validate(object, undefined);
    if (errors.length > 0) throw this.#invalid(meta.name ?? '', errors);
    if (this.store.get(this.kind.collection, namespace, meta.name ?? '') !== undefined) {
      throw alreadyExists(this.groupResource, meta.name ?? '');
    }
    return { object: this.kind.toExternal(this.#commit(object, undefined, options)), warnings, code: 201 };
  }

  /**
   * The common end of PUT and PATCH: keeps what the client may not change (status on the main resource,
   * everything but status on /status, system metadata), bumps generation, validates, stores.
   */
  commitUpdate(
    old: KubeObject,
    candidate: KubeObject,
    subresource: '' | 'status',
    options: WriteOptions,
    warnings: string[],
  ): WriteResult {
    const name = old.metadata.name ?? '';
    let next: KubeObject;
    if (subresource === 'status') {
      next = clone(old);
      if (candidate['status'] === undefined) delete next['status'];
      else next['status'] = candidate['status'];
    } else {
      next = candidate;
      for (const key of [
        'uid',
        'creationTimestamp',
        'generation',
        'deletionTimestamp',
        'deletionGracePeriodSeconds',
      ]) {
        if (old.metadata[key] === undefined) delete next.metadata[key];
        else next.metadata[key] = old.metadata[key];
      }
      delete next.metadata['managedFields'];
      if (this.kind.statusSubresource) {
        if (old['status'] === undefined) delete next['status'];
        else next['status'] = old['status'];
      }
      if (this.kind.hasGeneration && !jsonEqual(specOf(next), specOf(old))) {
        next.metadata.generation = (old.metadata.generation ?? 0) + 1;
      }
    }
    next.metadata.resourceVersion = old.metadata.resourceVersion;
    const errors = [...finalizerErrors(next, old), ...this.kind.validate(next, old)];
    if (errors.length > 0) throw this.#invalid(name, errors);
    return { object: this.kind.toExternal(this.#commit(next, old, options)), warnings, code: 200 };
  }

  #checkIdentity(object: KubeObject, namespace: string, name: string): void {
    if (object.metadata.name !== name) {
      throw badRequest(
        `the name of the object (${object.metadata.name ?? ''}) does not match the name on the URL (${name})`,
      );
    }
    if (this.kind.clusterScoped) {
      delete object.metadata.namespace;
      return;
    }
    if (object.metadata.namespace !== undefined && object.metadata.namespace !== namespace) {
      throw badRequest(
        'the namespace of the provided object does not match the namespace sent on the request',
      );
    }
    object.metadata.namespace = namespace;
  }

  #checkResourceVersion(object: KubeObject, old: KubeObject, unconditionalAllowed: boolean): void {
    const requested = object.metadata.resourceVersion;
    const name = old.metadata.name ?? '';
    if (requested === undefined || requested === '') {
      if (unconditionalAllowed) return;
      throw this.#invalid(name, [
        {
          type: 'FieldValueInvalid',
          field: 'metadata.resourceVersion',
          rawValue: '0x0',
          detail: 'must be specified for an update',
        },
      ]);
    }
    if (requested !== old.metadata.resourceVersion) throw conflict(this.groupResource, name);
  }

  /** PUT of the object or of its /status. */
  replace(
    namespace: string,
    name: string,
    body: unknown,
    subresource: '' | 'status',
    options: WriteOptions,
  ): WriteResult {
    if (
      this.kind.allowCreateOnUpdate === true &&
      this.store.get(this.kind.collection, this.kind.clusterScoped ? undefined : namespace, name) ===
        undefined
    ) {
      const decoded = this.decode(body);
      if (decoded.metadata.name !== name) this.#checkIdentity(decoded, namespace, name);
      const prepared = this.prepareCreate(namespace, decoded, options.fieldValidation);
      return this.finishCreate(prepared.object, options, prepared.warnings);
    }
    const object = this.kind.toStorage(this.decode(body));
    const warnings = this.#unknownFields(object, options.fieldValidation, (m) => this.#decodeError(m));
    this.#checkIdentity(object, namespace, name);
    const old = this.current(namespace, name);
    this.#checkResourceVersion(object, old, this.kind.allowUnconditionalUpdate);
    return this.commitUpdate(old, object, subresource, options, warnings);
  }

  /** 415 for a patch type the kind does not take: the apiserver checks it before anything else. */
  acceptPatchType(patchType: string): void {
    if (!this.kind.patchTypes.includes(patchType)) throw unsupportedMediaType(this.kind.patchTypes);
  }

  /** Applies a patch body to a wire-form document, answering 400/415/422 as the apiserver's patch handler does. */
  applyPatch(document: unknown, patchType: string, patchText: string): unknown {
    this.acceptPatchType(patchType);
    if (patchType === applyPatch) {
      throw new StatusError({
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Failure',
        message: 'the kube double does not model server-side apply (application/apply-patch+yaml)',
        reason: 'UnsupportedMediaType',
        code: 415,
      });
    }
    try {
      if (patchType === jsonPatch) return applyJsonPatch(document, patchText);
      // Strategic merge patch is accepted only by built-in kinds here, whose fields the double keeps flat: a merge.
      return applyMergePatch(document, patchText);
    } catch (error) {
      if (error instanceof PatchDecodeError) throw badRequest(error.message);
      if (error instanceof PatchApplyError) throw patchNotApplicable();
      throw error;
    }
  }

  /** PATCH of the object or of its /status. */
  patch(
    namespace: string,
    name: string,
    patchType: string,
    patchText: string,
    subresource: '' | 'status',
    options: WriteOptions,
  ): WriteResult {
    this.acceptPatchType(patchType);
    const old = this.current(namespace, name);
    const patched = this.applyPatch(this.kind.toExternal(old), patchType, patchText);
    if (!isObject(patched) || !isObject(patched['metadata']))
      throw badRequest('the patched object is not an object');
    const object = this.kind.toStorage(patched as KubeObject);
    const warnings = this.#unknownFields(object, options.fieldValidation, (message) =>
      invalid({ group: '', kind: '' }, '', [
        { type: 'FieldValueInvalid', field: 'patch', value: JSON.stringify(patched), detail: message },
      ]),
    );
    this.#checkIdentity(object, namespace, name);
    this.#checkResourceVersion(object, old, true);
    return this.commitUpdate(old, object, subresource, options, warnings);
  }

  /** DELETE, with optional DeleteOptions preconditions (uid, resourceVersion). */
  delete(
    namespace: string,
    name: string,
    body: unknown,
    options: WriteOptions,
  ): { answer: unknown; object: KubeObject } {
    const old = this.current(namespace, name);
    const preconditions = isObject(body) && isObject(body['preconditions']) ? body['preconditions'] : {};
    const { uid, resourceVersion } = preconditions;
    if (typeof uid === 'string' && uid !== old.metadata.uid) {
      throw conflict(
        this.groupResource,
        name,
        `Precondition failed: UID in precondition: ${uid}, UID in object meta: ${old.metadata.uid ?? ''}`,
      );
    }
    if (typeof resourceVersion === 'string' && resourceVersion !== old.metadata.resourceVersion) {
      throw conflict(
        this.groupResource,
        name,
        `Precondition failed: ResourceVersion in precondition: ${resourceVersion}, ResourceVersion in object meta: ${old.metadata.resourceVersion ?? ''}`,
      );
    }
    if ((old.metadata.finalizers ?? []).length > 0) {
      // Finalizers pending: the object stays, marked (markAsDeleting), until they are removed.
      if (old.metadata.deletionTimestamp !== undefined) {
        return { answer: this.kind.toExternal(old), object: old };
      }
      const marked = clone(old);
      marked.metadata.deletionTimestamp = kubeTimestamp();
      marked.metadata.deletionGracePeriodSeconds = 0;
      if ((marked.metadata.generation ?? 0) > 0)
        marked.metadata.generation = (marked.metadata.generation ?? 0) + 1;
      const stored = options.dryRun ? marked : this.store.replace(this.kind.collection, marked);
      return { answer: this.kind.toExternal(stored), object: stored };
    }
    const deleted = options.dryRun ? old : (this.store.delete(this.kind.collection, namespace, name) ?? old);
    return { answer: this.kind.deleteAnswer(deleted), object: deleted };
  }
}

/** A Success Status for DELETE of built-in kinds. */
export function deletedStatus(kind: KindStrategy, deleted: KubeObject): Status {
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Success',
    details: {
      name: deleted.metadata.name ?? '',
      ...(kind.group === '' ? {} : { group: kind.group }),
      kind: kind.resource,
      ...(deleted.metadata.uid === undefined ? {} : { uid: deleted.metadata.uid }),
    },
    code: 200,
  };
}
