/**
 * Issue 12, "advisor mode is noisy", through the real sidecar process: a FlinkDeployment without the enabled
 * label, a load whose advice grows (a backlog building up, so the advised target rises tick by tick) and then
 * falls away. Advisor mode must write nothing to the FlinkDeployment (the Kubernetes double's request log shows
 * no write to it or its subresources), and send at most one ScalingAdvised Event per change of the advised
 * direction, not one per target.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { NS, NAME, startTruthWorld, type Status, type TruthWorld } from './flink-truth-world.js';

let world: TruthWorld | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

const READS = new Set(['get', 'list', 'watch']);

/** How often the value changes along the sequence, starting from 'none'. */
function changes(values: string[]): number {
  let count = 0;
  let last = 'none';
  for (const v of values) {
    if (v !== last) count++;
    last = v;
  }
  return count;
}

describe('advisor mode', () => {
  it('writes nothing to the FlinkDeployment, and one ScalingAdvised Event per direction change', async () => {
    world = await startTruthWorld({
      workers: 4,
      active: false,
      flink: { input: (t) => (t < 300 ? 6000 : 500), jobShape: { stateMb: 0 } },
      scale: 50,
      args: ['--window-seconds', '60', '--scale-down-stabilization-seconds', '0'],
    });
    const w = world;
    await w.untilSeen('advice to scale up', 600, (s) => s.decision?.action === 'scale-up');
    await w.wait(650);
    const evaluations = w.seen.filter((s: Status) => s.decision !== null);
    const targets = new Set(
      evaluations.filter((s) => s.decision?.action === 'scale-up').map((s) => s.decision?.desiredWorkers),
    );
    // The advice changed its target many times while its direction stayed 'up'.
    expect(targets.size).toBeGreaterThan(3);
    const allowed = Math.max(
      changes(evaluations.map((s) => s.decision?.action ?? 'none')),
      changes(evaluations.map((s) => s.action?.action ?? 'none')),
    );
    const advised = w.kube
      .events(NS)
      .filter((e) => e.reason === 'ScalingAdvised' && e.involvedObject.name === NAME);
    const occurrences = advised.reduce((sum, e) => sum + Math.max(e.count ?? 1, e.series?.count ?? 1), 0);
    expect(occurrences).toBeGreaterThanOrEqual(1);
    expect(
      occurrences,
      `${occurrences} ScalingAdvised for ${allowed} direction changes: ${advised.map((e) => e.message).join(' | ')}`,
    ).toBeLessThanOrEqual(allowed);
    // Nothing written to the FlinkDeployment: no state annotation, no scale, no status.
    const writes = w.kube
      .requests()
      .filter((r) => r.resource === 'flinkdeployments' && !READS.has(r.verb))
      .map((r) => `${r.method} ${r.path}${r.subresource ? ` (${r.subresource})` : ''}`);
    expect(writes).toEqual([]);
  }, 90_000);
});
