/**
 * What the HTTP API needs from the running sidecar: its status, readiness, liveness and metrics. The API is
 * read-only: manual scaling goes through the FlinkDeployment (the gateway, kubectl), never into a pod. The
 * control loop implements it; tests use fakes.
 */

export interface SidecarApi {
  /** The JSON of GET /api/v1/status. */
  status(): unknown;
  /** Whether the sidecar is ready (it has read its FlinkDeployment and reached Flink at least once). */
  ready(): { ready: boolean; reason: string };
  /** Whether the control loop completes its cycles (/healthz; the kubelet restarts the container when not). */
  live(): { live: boolean; reason: string };
  /** Prometheus text. */
  metrics(): Promise<string>;
}
