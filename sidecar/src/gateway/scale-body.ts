/**
 * The body of `POST …/scale`: `{"replicas": int, "reason": string (1..1024), "holdSeconds"?: int
 * (0..--max-hold-seconds, default 3600), "dryRun"?: bool}`, JSON of at most 4 KiB. Checked before anything
 * is asked of Kubernetes; anything else is a 422 that names the field and says what it must be.
 */
import { z } from 'zod';
import { HttpError } from '../http/errors.js';

export const MAX_BODY_BYTES = 4 * 1024;
export const MAX_REASON_LENGTH = 1024;
export const DEFAULT_HOLD_SECONDS = 3600;
export const DEFAULT_MAX_HOLD_SECONDS = 86_400;

export interface ScaleBody {
  replicas: number;
  reason: string;
  holdSeconds: number;
  dryRun: boolean;
}

const FIELDS = ['replicas', 'reason', 'holdSeconds', 'dryRun'] as const;
const EXAMPLE = '{"replicas": 6, "reason": "incident 123", "holdSeconds": 3600}';

function schema(maxHoldSeconds: number) {
  return z.strictObject({
    replicas: z.int().min(0).max(100_000),
    reason: z.string().trim().min(1).max(MAX_REASON_LENGTH),
    holdSeconds: z.int().min(0).max(maxHoldSeconds).optional(),
    dryRun: z.boolean().optional(),
  });
}

function rule(field: (typeof FIELDS)[number], maxHoldSeconds: number): string {
  switch (field) {
    case 'replicas':
      return 'a whole number ≥ 0 (the TaskManagers to scale to)';
    case 'reason':
      return `a non-empty string of at most ${MAX_REASON_LENGTH} characters (why you scale)`;
    case 'holdSeconds':
      return `a whole number of seconds from 0 to ${maxHoldSeconds} (how long the autoscaler holds)`;
    case 'dryRun':
      return 'true or false';
  }
}

function invalid(message: string): HttpError {
  return new HttpError(422, 'invalid-body', message);
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Parses and checks the raw body (a Buffer from express.raw, or undefined when there was none). */
export function parseScaleBody(raw: unknown, maxHoldSeconds: number): ScaleBody {
  if (!Buffer.isBuffer(raw) || raw.length === 0) {
    throw invalid(`the request has no body: send JSON such as ${EXAMPLE}`);
  }
  let body: unknown;
  try {
    body = JSON.parse(utf8.decode(raw));
  } catch {
    throw invalid(`the body is not UTF-8 JSON: send JSON such as ${EXAMPLE}`);
  }
  const parsed = schema(maxHoldSeconds).safeParse(body);
  if (!parsed.success) {
    const problems = new Set<string>();
    for (const issue of parsed.error.issues) {
      const field = issue.path[0];
      if (issue.code === 'unrecognized_keys') {
        problems.add(`unknown field(s) ${issue.keys.join(', ')}: the body takes ${FIELDS.join(', ')}`);
      } else if (typeof field === 'string' && (FIELDS as readonly string[]).includes(field)) {
        problems.add(`${field} must be ${rule(field as (typeof FIELDS)[number], maxHoldSeconds)}`);
      } else {
        problems.add(`the body must be a JSON object such as ${EXAMPLE}`);
      }
    }
    throw invalid([...problems].join('; '));
  }
  return {
    replicas: parsed.data.replicas,
    reason: parsed.data.reason,
    holdSeconds: parsed.data.holdSeconds ?? Math.min(DEFAULT_HOLD_SECONDS, maxHoldSeconds),
    dryRun: parsed.data.dryRun ?? false,
  };
}
