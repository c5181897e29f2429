/** `meta/v1` Status bodies for every error the double answers, worded as k8s.io/apimachinery's api/errors words them. */

export interface StatusCause {
  reason?: string;
  message?: string;
  field?: string;
}

export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  uid?: string;
  causes?: StatusCause[];
  retryAfterSeconds?: number;
}

/** A `v1` Status object, with its fields in the order the apiserver's encoder writes them. */
export interface Status {
  kind: 'Status';
  apiVersion: 'v1';
  /** Empty, but for the fresh continue token of a 410 on an expired continue. */
  metadata: { continue?: string };
  status: 'Success' | 'Failure';
  message?: string;
  reason?: string;
  details?: StatusDetails;
  code: number;
}

/** A group and a plural resource, as api/errors qualifies a resource. */
export interface GroupResource {
  group: string;
  resource: string;
}

/** `flinkdeployments.flink.apache.org`, or `events` for the core group (schema.GroupResource.String). */
export function groupResourceString({ group, resource }: GroupResource): string {
  return group === '' ? resource : `${resource}.${group}`;
}

/** An answer the handlers throw: the Status, and headers to send with it (Retry-After, Warning). */
export class StatusError extends Error {
  constructor(
    readonly status: Status,
    readonly headers: Record<string, string> = {},
  ) {
    super(status.message ?? status.reason ?? `status ${status.code}`);
    this.name = 'StatusError';
  }
}

function failure(code: number, reason: string, message: string, details?: StatusDetails): StatusError {
  return new StatusError({
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message,
    reason,
    ...(details === undefined ? {} : { details }),
    code,
  });
}

function detailsOf(gr: GroupResource, name: string): StatusDetails {
  const details: StatusDetails = {};
  if (name !== '') details.name = name;
  if (gr.group !== '') details.group = gr.group;
  if (gr.resource !== '') details.kind = gr.resource;
  return details;
}

/** 404 NotFound for a named object (errors.NewNotFound). */
export function notFound(gr: GroupResource, name: string): StatusError {
  return failure(404, 'NotFound', `${groupResourceString(gr)} "${name}" not found`, detailsOf(gr, name));
}

/** 404 NotFound for a path the server does not serve (what the apiserver's mux answers). */
export function pathNotFound(): StatusError {
  return failure(404, 'NotFound', 'the server could not find the requested resource', {});
}

/** 409 AlreadyExists on create (errors.NewAlreadyExists). */
export function alreadyExists(gr: GroupResource, name: string): StatusError {
  return failure(
    409,
    'AlreadyExists',
    `${groupResourceString(gr)} "${name}" already exists`,
    detailsOf(gr, name),
  );
}

/** 409 Conflict: a stale resourceVersion (errors.NewConflict with the registry's "object has been modified"). */
export function conflict(
  gr: GroupResource,
  name: string,
  why = 'the object has been modified; please apply your changes to the latest version and try again',
): StatusError {
  return failure(
    409,
    'Conflict',
    `Operation cannot be fulfilled on ${groupResourceString(gr)} "${name}": ${why}`,
    detailsOf(gr, name),
  );
}

/** 400 BadRequest (errors.NewBadRequest: no details). */
export function badRequest(message: string): StatusError {
  return failure(400, 'BadRequest', message);
}

/** 401 Unauthorized, exactly as the apiserver's authentication filter writes it. */
export function unauthorized(): StatusError {
  return failure(401, 'Unauthorized', 'Unauthorized');
}

/** 403 Forbidden (errors.NewForbidden); `why` is the authorizer's "User ... cannot ..." sentence. */
export function forbidden(gr: GroupResource, name: string, why: string): StatusError {
  let message: string;
  if (gr.group === '' && gr.resource === '') message = `forbidden: ${why}`;
  else if (name === '') message = `${groupResourceString(gr)} is forbidden: ${why}`;
  else message = `${groupResourceString(gr)} "${name}" is forbidden: ${why}`;
  return failure(403, 'Forbidden', message, detailsOf(gr, name));
}

/** 405 MethodNotAllowed: a method the path does not serve (go-restful's answer, reworded by the apiserver). */
export function methodNotAllowed(): StatusError {
  return failure(
    405,
    'MethodNotAllowed',
    'the server does not allow this method on the requested resource',
    {},
  );
}

/** 413 RequestEntityTooLarge (errors.NewRequestEntityTooLargeError) for a body over the limit. */
export function requestEntityTooLarge(): StatusError {
  return failure(413, 'RequestEntityTooLarge', 'Request entity too large: limit is 3145728');
}

/** 410 Expired: a watch or list from a resourceVersion the server no longer has. */
export function expired(message: string): StatusError {
  return failure(410, 'Expired', message);
}

/** 504 Timeout: a read at a version the server has not reached (storage.NewTooLargeResourceVersionError). */
export function tooLargeResourceVersion(requested: number, current: number): StatusError {
  const error = failure(504, 'Timeout', `Too large resource version: ${requested}, current: ${current}`, {
    causes: [{ reason: 'ResourceVersionTooLarge', message: 'Too large resource version' }],
    retryAfterSeconds: 1,
  });
  error.headers['Retry-After'] = '1';
  return error;
}

/** 504 Timeout: the answer did not come in time (the apiserver's timeout filter). */
export function gatewayTimeout(): StatusError {
  return failure(
    504,
    'Timeout',
    'Timeout: request did not complete within requested timeout - context deadline exceeded',
    {},
  );
}

/** 415 UnsupportedMediaType for a patch type the resource does not take (negotiation.NewUnsupportedMediaTypeError). */
export function unsupportedMediaType(accepted: readonly string[]): StatusError {
  return failure(
    415,
    'UnsupportedMediaType',
    `the body of the request was in an unknown format - accepted media types include: ${accepted.join(', ')}`,
  );
}

/**
 * 422 from errors.NewGenericServerResponse(422, ...): what a JSON Patch whose `test` (or any other op) fails
 * gets. The apiserver drops the patch library's own message: no causes, empty details.
 */
export function patchNotApplicable(): StatusError {
  return failure(422, 'Invalid', 'the server rejected our request due to an error in our request', {});
}

/** 500 InternalError (errors.NewInternalError). */
export function internalError(message: string): StatusError {
  return failure(500, 'InternalError', `Internal error occurred: ${message}`, { causes: [{ message }] });
}

/** 429 TooManyRequests as a Status (errors.NewTooManyRequestsError: storage-level throttling). */
export function tooManyRequests(message: string, retryAfterSeconds: number): StatusError {
  const error = failure(429, 'TooManyRequests', `Too many requests: ${message}`, { retryAfterSeconds });
  error.headers['Retry-After'] = String(retryAfterSeconds);
  return error;
}

/** The type of a field.Error, with the words ErrorBody prints for it. */
export type FieldErrorType =
  | 'FieldValueRequired'
  | 'FieldValueInvalid'
  | 'FieldValueNotSupported'
  | 'FieldValueForbidden'
  | 'FieldValueTooLong'
  | 'FieldValueDuplicate'
  | 'FieldValueNotFound';

const fieldErrorWords: Record<FieldErrorType, string> = {
  FieldValueRequired: 'Required value',
  FieldValueInvalid: 'Invalid value',
  FieldValueNotSupported: 'Unsupported value',
  FieldValueForbidden: 'Forbidden',
  FieldValueTooLong: 'Too long',
  FieldValueDuplicate: 'Duplicate value',
  FieldValueNotFound: 'Not found',
};

/** One k8s.io/apimachinery field.Error. `value` is omitted for types that print none. */
export interface FieldError {
  type: FieldErrorType;
  field: string;
  value?: unknown;
  /** The value as Go prints it, when JSON would print it differently (`0x0` for an unset resourceVersion). */
  rawValue?: string;
  detail?: string;
}

function goValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}

/** field.Error.ErrorBody: "Invalid value: \"x\": detail", "Required value", ... */
export function fieldErrorBody(error: FieldError): string {
  const words = fieldErrorWords[error.type];
  const printsValue =
    error.type !== 'FieldValueRequired' &&
    error.type !== 'FieldValueForbidden' &&
    error.type !== 'FieldValueTooLong' &&
    ('value' in error || error.rawValue !== undefined);
  let body = printsValue ? `${words}: ${error.rawValue ?? goValue(error.value)}` : words;
  if (error.detail !== undefined && error.detail !== '') body += `: ${error.detail}`;
  return body;
}

/** 422 Invalid (errors.NewInvalid) for `kind.group "name"` with its field errors as causes. */
export function invalid(
  groupKind: { group: string; kind: string },
  name: string,
  errors: FieldError[],
): StatusError {
  const qualified = groupKind.group === '' ? groupKind.kind : `${groupKind.kind}.${groupKind.group}`;
  const lines = errors.map((e) => `${e.field}: ${fieldErrorBody(e)}`);
  const aggregate = lines.length === 1 ? lines[0] : `[${lines.join(', ')}]`;
  const message =
    lines.length === 0
      ? `${qualified} "${name}" is invalid`
      : `${qualified} "${name}" is invalid: ${aggregate}`;
  const details: StatusDetails = {};
  if (name !== '') details.name = name;
  if (groupKind.group !== '') details.group = groupKind.group;
  if (groupKind.kind !== '') details.kind = groupKind.kind;
  details.causes = errors.map((e) => ({ reason: e.type, message: fieldErrorBody(e), field: e.field }));
  return failure(422, 'Invalid', message, details);
}
