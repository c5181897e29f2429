/** What the injector puts into a JobManager pod: the sidecar's image, resources, port, and how it runs. */

export interface SidecarSettings {
  image: string;
  imagePullPolicy: 'Always' | 'IfNotPresent' | 'Never';
  resources: {
    requests: { cpu: string; memory: string };
    limits: { cpu?: string; memory: string };
  };
  /** The port of /metrics, the probes and the API. */
  port: number;
  /** As a Kubernetes native sidecar (an init container with restartPolicy Always; Kubernetes ≥ 1.29). */
  nativeSidecar: boolean;
  /** Policy flags every injected sidecar gets (the cluster-wide defaults), e.g. ['--max-workers', '40']. */
  policyArgs: string[];
  /** The sidecar's log format: `json` (for log collectors) or `text` (one line per entry, for people). */
  logFormat: 'json' | 'text';
  /** How often the sidecar logs its unchanged decision at info (it logs every change at once). */
  logHeartbeatSeconds: number;
}

/** The sidecar container's name; a pod that has it is already injected. */
export const SIDECAR_CONTAINER = 'flink-autoscaler';
/** The pod annotation that asks for the sidecar. */
export const INJECT_ANNOTATION = 'flink-autoscaler.io/inject';
/** The status annotation the injector leaves on the pods it injects. */
export const STATUS_ANNOTATION = 'flink-autoscaler.io/injected';
/**
 * The label the injector puts on every pod it injects (value "true"), so that selectors (the chart's
 * NetworkPolicy) can pick exactly the injected pods; annotations cannot be selected on.
 */
export const INJECTED_LABEL = 'flink-autoscaler.io/injected';
/** The sidecar's port name (the gateway and the PodMonitor find the port by it). */
export const SIDECAR_PORT_NAME = 'autoscaler';
/**
 * Node flags of the sidecar process (`npm run bench:sidecar` measures them): a 1 MiB young generation
 * (semi-space) keeps the peak RSS of a process that parses a few kB of JSON a cycle about 10 MiB lower,
 * and `--jitless` (V8's interpreter alone: no JIT compilers, no WebAssembly, which the sidecar does not
 * use) another 11 MiB at no measurable CPU cost for a few milliseconds of work a cycle. Both flags are
 * allowed in NODE_OPTIONS.
 */
export const SIDECAR_NODE_OPTIONS = '--max-semi-space-size=1 --jitless';

const QUANTITY = /^(\d+(\.\d+)?|\.\d+)(m|k|Ki|M|Mi|G|Gi|T|Ti|E|Ei|P|Pi)?$/;

/** A Kubernetes resource quantity such as `50m`, `0.5`, `128Mi`; throws naming the flag otherwise. */
export function quantity(flag: string, text: string): string {
  if (!QUANTITY.test(text)) {
    throw new Error(
      `${flag} must be a Kubernetes quantity such as 100m, 0.5, 128Mi or 1Gi, got ${JSON.stringify(text)}`,
    );
  }
  return text;
}
