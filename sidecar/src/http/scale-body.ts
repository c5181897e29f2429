/**
 * The body of POST /api/v1/scale: `{replicas, reason, holdSeconds?, dryRun?}`, as JSON of at most 16 KiB.
 * Anything else is refused with a 400 that names the field and says what it must be.
 */
import { z } from 'zod';
import { HttpError } from './errors.js';

/** The largest body taken, in bytes. */
export const MAX_BODY_BYTES = 16 * 1024;
/** The longest reason, in characters (UTF-16 code units). */
export const MAX_REASON_LENGTH = 512;
/** The hold when the caller gives none (capped by the sidecar's longest hold). */
export const DEFAULT_HOLD_SECONDS = 1800;

export function scaleBodySchema(maxHoldSeconds: number) {
  return z.strictObject({
    replicas: z.number().int().min(0),
    reason: z.string().trim().min(1).max(MAX_REASON_LENGTH),
    holdSeconds: z.number().min(0).max(maxHoldSeconds).optional(),
    dryRun: z.boolean().optional(),
  });
}

export type ScaleBody = z.infer<ReturnType<typeof scaleBodySchema>>;

const FIELDS = ['replicas', 'reason', 'holdSeconds', 'dryRun'] as const;
type Field = (typeof FIELDS)[number];

function rule(field: Field, maxHoldSeconds: number): string {
  switch (field) {
    case 'replicas':
      return 'a whole number ≥ 0 (the TaskManagers to scale to)';
    case 'reason':
      return `a non-empty string of at most ${MAX_REASON_LENGTH} characters (why you scale)`;
    case 'holdSeconds':
      return `a number of seconds from 0 to ${maxHoldSeconds} (how long the policy pauses)`;
    case 'dryRun':
      return 'true or false';
  }
}

const EXAMPLE = '{"replicas": 6, "reason": "incident 123", "holdSeconds": 1800, "dryRun": false}';

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') {
    if (value.length > MAX_REASON_LENGTH) return `a string of ${value.length} characters`;
    if (value.trim() === '') return 'an empty string';
    return `the string ${JSON.stringify(value.slice(0, 40))}${value.length > 40 ? '…' : ''}`;
  }
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return `an ${typeof value}`;
}

function invalid(message: string): HttpError {
  return new HttpError(400, 'invalid-body', message);
}

/** What is wrong with a parsed body, one sentence per field. */
function problems(body: unknown, error: z.ZodError, maxHoldSeconds: number): string[] {
  const out = new Set<string>();
  for (const issue of error.issues) {
    if (issue.code === 'unrecognized_keys') {
      const names = issue.keys.map((key) => `"${key}"`).join(', ');
      out.add(
        `unknown field${issue.keys.length > 1 ? 's' : ''} ${names}: the body takes ${FIELDS.join(', ')}`,
      );
      continue;
    }
    const field = issue.path[0];
    if (
      issue.path.length === 0 ||
      typeof field !== 'string' ||
      !(FIELDS as readonly string[]).includes(field)
    ) {
      out.add(`the body must be a JSON object such as ${EXAMPLE}`);
      continue;
    }
    const value = (body as Record<string, unknown>)[field];
    const must = rule(field as Field, maxHoldSeconds);
    out.add(
      value === undefined
        ? `${field} is required: ${must}`
        : `${field} must be ${must}, not ${describe(value)}`,
    );
  }
  return [...out];
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Parses and checks the raw body (a Buffer from express.raw, or undefined when the request had none).
 * `maxHoldSeconds` is the sidecar's longest hold.
 */
export function parseScaleBody(raw: unknown, maxHoldSeconds: number): Required<ScaleBody> {
  if (raw === undefined || (Buffer.isBuffer(raw) && raw.length === 0)) {
    throw invalid(`the request has no body: send JSON such as ${EXAMPLE}`);
  }
  if (!Buffer.isBuffer(raw)) throw invalid('the request body could not be read as bytes');
  let text: string;
  try {
    text = utf8.decode(raw);
  } catch {
    throw new HttpError(400, 'not-json', 'the body is not UTF-8 text: send JSON');
  }
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (error) {
    throw new HttpError(
      400,
      'not-json',
      `the body is not JSON (${(error as Error).message}): send JSON such as ${EXAMPLE}`,
    );
  }
  const parsed = scaleBodySchema(maxHoldSeconds).safeParse(body);
  if (!parsed.success) throw invalid(problems(body, parsed.error, maxHoldSeconds).join('; '));
  return {
    ...parsed.data,
    holdSeconds: parsed.data.holdSeconds ?? Math.min(DEFAULT_HOLD_SECONDS, maxHoldSeconds),
    dryRun: parsed.data.dryRun ?? false,
  };
}
