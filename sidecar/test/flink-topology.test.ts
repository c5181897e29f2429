/**
 * Issue 13: Reactive Mode read as Flink reads it. Flink parses an enum value case-insensitively
 * (ConfigurationUtils.convertToEnum compares upper-cased names), so `scheduler-mode: REACTIVE` (the operator's
 * own example) is Reactive Mode; keys are case-sensitive (Configuration looks them up verbatim).
 */
import { describe, expect, it } from 'vitest';
import { flinkBoolean, flinkEnumIs, readTopology } from '../src/flink/topology.js';
import type { JobDetails } from '../src/flink/wire.js';

const job: JobDetails = {
  jid: 'a'.repeat(32),
  name: 'clickstream',
  state: 'RUNNING',
  maxParallelism: -1,
  vertices: [{ id: 'c'.repeat(32), name: 'Source', parallelism: 4, maxParallelism: 128, status: 'RUNNING' }],
  plan: { nodes: [{ id: 'c'.repeat(32) }] },
};

const config = (entries: Record<string, string>) =>
  Object.entries(entries).map(([key, value]) => ({ key, value }));

describe('Reactive Mode, as Flink reads scheduler-mode', () => {
  it.each(['reactive', 'REACTIVE', 'Reactive', 'rEaCtIvE'])('%s is Reactive Mode', (mode) => {
    const t = readTopology(job, config({ 'scheduler-mode': mode, 'execution.target': 'remote' }));
    expect(t.reactive).toBe(true);
    expect(t.notReactiveBecause).toBeUndefined();
    expect(t.schedulerMode).toBe(mode);
  });

  it.each(['default', 'adaptive', ' reactive', 'reactive '])(
    '%j is not (Flink does not trim an enum value)',
    (mode) => {
      const t = readTopology(job, config({ 'scheduler-mode': mode }));
      expect(t.reactive).toBe(false);
      expect(t.notReactiveBecause).toContain(JSON.stringify(mode));
    },
  );

  it('reads the key as Flink does: case-sensitive, so Scheduler-Mode is not scheduler-mode', () => {
    const t = readTopology(job, config({ 'Scheduler-Mode': 'reactive' }));
    expect(t.reactive).toBe(false);
    expect(t.schedulerMode).toBeUndefined();
    expect(t.notReactiveBecause).toMatch(/scheduler-mode is not set/);
  });

  it('a native deployment target is not Reactive Mode; the operator sets "remote" on standalone', () => {
    const native = readTopology(
      job,
      config({ 'scheduler-mode': 'REACTIVE', 'execution.target': 'kubernetes-application' }),
    );
    expect(native.reactive).toBe(false);
    expect(native.nativeTarget).toBe(true);
    expect(native.notReactiveBecause).toMatch(/needs a standalone deployment/);
    const standalone = readTopology(
      job,
      config({ 'scheduler-mode': 'REACTIVE', 'execution.target': 'remote' }),
    );
    expect(standalone.nativeTarget).toBe(false);
  });
});

describe('Flink values', () => {
  it('booleans: true and false in any case, nothing else', () => {
    for (const text of ['true', 'TRUE', 'True']) expect(flinkBoolean(text)).toBe(true);
    for (const text of ['false', 'FALSE', 'False']) expect(flinkBoolean(text)).toBe(false);
    for (const text of ['yes', '1', 'on', ' true', '', undefined]) expect(flinkBoolean(text)).toBeUndefined();
  });

  it('enums: the name in any case', () => {
    expect(flinkEnumIs('REACTIVE', 'reactive')).toBe(true);
    expect(flinkEnumIs('reactive', 'REACTIVE')).toBe(true);
    expect(flinkEnumIs('reactiv', 'reactive')).toBe(false);
    expect(flinkEnumIs(undefined, 'reactive')).toBe(false);
  });
});
