/** The Flink REST double for tests of the sidecar: start it, drive the job in virtual time, inject faults. */
export { FAULT_HEADER } from './faults.js';
export { startFlinkDouble, type FetchTruth, type FlinkDouble, type RecordedRequest } from './server.js';
export {
  DEFAULT_TRANSIENT_ENDPOINTS,
  TRANSIENT_KINDS,
  type TransientFailures,
  type TransientKind,
} from './transient.js';
export {
  BACKLOG_METRICS,
  BEAM_KAFKA_SOURCE,
  FAULT_MODES,
  type BacklogMetrics,
  type FaultMode,
  type FlinkDoubleOptions,
} from './options.js';
export type { SimulatedCluster, SimulatedJobStatus, SimulatedTaskManager } from './cluster.js';
export type { Topology, VertexTopology } from './topology.js';
export { metricId, operatorPart, taskManagerId, truncateOperatorName } from './ids.js';
export { javaDouble } from './java-format.js';
