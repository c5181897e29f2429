/** The scaling policy of flink-autoscaler: config schema, signals, decision and the stateful autoscaler. */
export * from './config/options.js';
export * from './config/schema.js';
export * from './config/names.js';
export * from './config/switches.js';
export * from './policy/types.js';
export * from './policy/math.js';
export * from './policy/decide.js';
export * from './signals/types.js';
export * from './signals/regression.js';
export * from './signals/compute.js';
export * from './signals/throughput.js';
export * from './autoscaler/state.js';
export * from './autoscaler/window.js';
export * from './autoscaler/stabilization.js';
export * from './autoscaler/effectiveness.js';
export * from './autoscaler/policy-options.js';
export * from './autoscaler/autoscaler.js';
