/**
 * What the HTTP API needs from the running sidecar: its status, the bounds and state a manual scale is
 * checked against, and the manual scale itself. The control loop implements it; tests use fakes.
 */

export interface ManualScaleRequest {
  replicas: number;
  reason: string;
  /** Seconds the policy is paused after the scale. */
  holdSeconds: number;
  /** The authenticated user (from the TokenReview). */
  user: string;
  /** Check everything, change nothing. */
  dryRun: boolean;
}

export interface ManualScaleResult {
  from: number;
  to: number;
  /** Unix ms until which the policy holds. */
  holdUntil: number;
  dryRun: boolean;
}

/** Why a scale cannot be done now, with the HTTP status the API should answer. */
export class ScaleRefused extends Error {
  readonly status: 409 | 422 | 429 | 503;
  constructor(status: 409 | 422 | 429 | 503, message: string) {
    super(message);
    this.name = 'ScaleRefused';
    this.status = status;
  }
}

export interface SidecarApi {
  /** The JSON of GET /api/v1/status. */
  status(): unknown;
  /** Whether the sidecar is ready (it has read its FlinkDeployment and reached Flink at least once). */
  ready(): { ready: boolean; reason: string };
  /** The worker bounds a manual scale must respect (the policy's, with max parallelism). */
  bounds(): { min: number; max: number };
  /** The longest hold a caller may ask for, seconds. */
  maxHoldSeconds(): number;
  /** Carries out a manual scale (or checks it, for a dry run); throws ScaleRefused when it cannot. */
  manualScale(request: ManualScaleRequest): Promise<ManualScaleResult>;
  /** Prometheus text. */
  metrics(): Promise<string>;
}
