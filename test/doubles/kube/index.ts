/** The Kubernetes API double: start it, seed it, point kubectl or client-node at it, play the operator. */
export { startKubeDouble } from './server.js';
export type {
  FlinkDeploymentHelpers,
  KubeDouble,
  KubeDoubleOptions,
  PodHelpers,
  ReplicasChange,
  RequestRecord,
  WebhookHelpers,
} from './server.js';
export type { AdmissionCall, AdmissionReview } from './admission.js';
export type { MutatingWebhook, MutatingWebhookConfiguration } from './webhook-configurations.js';
export { selfSignedCertificate, type CertificateSubject } from './tls.js';
export type { Fault, FaultMatch } from './faults.js';
export type { AccessRule } from './rbac.js';
export { apiServerAudience, serviceAccount, type TokenUser, type UserInfo } from './identity.js';
export {
  flinkDeployment,
  operatorStatus,
  playOperator,
  type FlinkDeploymentFixture,
  type OperatorStep,
  type PlayOperatorOptions,
} from './operator.js';
export type { Scale } from './flinkdeployments.js';
export type {
  CoreEvent,
  FlinkDeployment,
  FlinkDeploymentSpec,
  FlinkDeploymentStatus,
  JobState,
  LifecycleState,
  Pod,
  PodCondition,
  PodSpec,
  PodStatus,
  Container,
} from './types.js';
export { kubectlBinary, runKubectl, type KubectlResult } from './kubectl.js';
