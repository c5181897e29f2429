/**
 * AdmissionReview v1 on the wire: the request as the API server sends it (validated: the fields the
 * injector reads), and the response it expects back (the request's uid, allowed, a base64 JSON Patch).
 */
import { z } from 'zod';

const container = z.looseObject({
  name: z.string(),
  volumeMounts: z
    .array(z.looseObject({ name: z.string(), mountPath: z.string(), readOnly: z.boolean().optional() }))
    .optional(),
  ports: z
    .array(z.looseObject({ name: z.string().optional(), containerPort: z.number().optional() }))
    .optional(),
});

export const podSchema = z.looseObject({
  metadata: z
    .looseObject({
      name: z.string().optional(),
      generateName: z.string().optional(),
      namespace: z.string().optional(),
      labels: z.record(z.string(), z.string()).optional(),
      annotations: z.record(z.string(), z.string()).optional(),
    })
    .optional(),
  spec: z
    .looseObject({
      containers: z.array(container),
      initContainers: z.array(container).optional(),
      automountServiceAccountToken: z.boolean().optional(),
    })
    .optional(),
});
export type Pod = z.infer<typeof podSchema>;

export const admissionReviewSchema = z.looseObject({
  apiVersion: z.literal('admission.k8s.io/v1', {
    error: (issue) => `apiVersion must be admission.k8s.io/v1, got ${JSON.stringify(issue.input)}`,
  }),
  kind: z.literal('AdmissionReview', {
    error: (issue) => `kind must be AdmissionReview, got ${JSON.stringify(issue.input)}`,
  }),
  request: z.looseObject({
    uid: z.string().min(1, 'request.uid is required'),
    kind: z.looseObject({ group: z.string(), version: z.string(), kind: z.string() }),
    operation: z.string(),
    namespace: z.string().optional(),
    name: z.string().optional(),
    dryRun: z.boolean().optional(),
    object: z.unknown().optional(),
  }),
});
export type AdmissionReview = z.infer<typeof admissionReviewSchema>;

export interface JsonPatchOperation {
  op: 'add' | 'replace' | 'remove' | 'test';
  path: string;
  value?: unknown;
}

/** The AdmissionReview to answer: always allowed (the injector never blocks a pod), maybe with a patch. */
export function admissionResponse(
  uid: string,
  patch: JsonPatchOperation[] | undefined,
  warnings: string[] = [],
): Record<string, unknown> {
  return {
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    response: {
      uid,
      allowed: true,
      ...(patch && patch.length > 0
        ? { patchType: 'JSONPatch', patch: Buffer.from(JSON.stringify(patch)).toString('base64') }
        : {}),
      ...(warnings.length > 0 ? { warnings } : {}),
    },
  };
}
