/**
 * The state as the FlinkDeployment stores it (loop/saved-state.ts): a write on the version last seen, and
 * after a conflict or a lost answer the FlinkDeployment read back decides what happened.
 */
import { initialState, serializeState, type AutoscalerState } from '@flink-autoscaler/shared';
import { describe, expect, it } from 'vitest';
import { KubeError } from '../src/kube/client.js';
import { STATE_ANNOTATION, type FlinkDeployment } from '../src/kube/deployment.js';
import { SavedState } from '../src/loop/saved-state.js';

const deploymentWith = (version: number, state?: AutoscalerState): FlinkDeployment => ({
  metadata: {
    name: 'job',
    resourceVersion: String(version),
    annotations: state ? { [STATE_ANNOTATION]: serializeState(state) } : {},
  },
});
const held = (until: number, user: string): AutoscalerState => ({
  ...initialState(),
  hold: { until, user, note: '' },
});
const conflict = () => new KubeError('conflict', 'the object has been modified', 409);
const lost = () => new KubeError('timeout', 'socket hang up', undefined, { mayHaveHappened: true });

/** A kube whose saveState answers from `answers` in turn, and whose get returns `stored`. */
function kube(answers: (FlinkDeployment | Error)[], stored: () => FlinkDeployment) {
  const writes: (string | undefined)[] = [];
  return {
    writes,
    client: {
      saveState: async (_text: string, version?: string) => {
        writes.push(version);
        const next = answers.shift();
        if (next instanceof Error || next === undefined) throw next ?? new Error('no answer');
        return next;
      },
      get: async () => stored(),
    },
  };
}
const quiet = () => {};

describe('the saved state', () => {
  it('writes on the version last seen and hands the answer on', async () => {
    const ours = held(5000, 'alice');
    const { client, writes } = kube([deploymentWith(8, ours)], () => deploymentWith(8, ours));
    const saved = new SavedState(client as never, quiet);
    saved.started(deploymentWith(7), undefined);
    expect(saved.differs(ours)).toBe(true);
    const seen: FlinkDeployment[] = [];
    expect(await saved.write(ours, '7', (d) => seen.push(d))).toBe(true);
    expect(writes).toEqual(['7']);
    expect(seen.map((d) => d.metadata.resourceVersion)).toEqual(['8']);
    expect(saved.differs(ours)).toBe(false);
    // The answer it handed on shows what it wrote: nothing to adopt.
    expect(saved.seen(deploymentWith(8, ours), ours)).toBeUndefined();
  });

  it('after a conflict that only changed other fields, writes again on the new version', async () => {
    const ours = held(5000, 'alice');
    const { client, writes } = kube([conflict(), deploymentWith(10, ours)], () => deploymentWith(9));
    const saved = new SavedState(client as never, quiet);
    saved.started(deploymentWith(7), undefined);
    expect(await saved.write(ours, '7', () => {})).toBe(true);
    expect(writes).toEqual(['7', '9']);
  });

  it('after a lost answer, finds its own state stored: written, not written twice', async () => {
    const ours = held(5000, 'alice');
    const { client, writes } = kube([lost()], () => deploymentWith(8, ours));
    const saved = new SavedState(client as never, quiet);
    saved.started(deploymentWith(7), undefined);
    expect(await saved.write(ours, '7', () => {})).toBe(true);
    expect(writes).toEqual(['7']);
    expect(saved.differs(ours)).toBe(false);
  });

  it("after a conflict, finds another writer's state: never overwrites it, and adopts it", async () => {
    const ours = held(5000, 'alice');
    const theirs = held(9000, 'bob');
    const { client, writes } = kube([conflict()], () => deploymentWith(9, theirs));
    const saved = new SavedState(client as never, quiet);
    saved.started(deploymentWith(7), undefined);
    const adopted: (AutoscalerState | undefined)[] = [];
    const written = await saved.write(ours, '7', (d) => adopted.push(saved.seen(d, ours)));
    expect(written).toBe(false);
    expect(writes).toEqual(['7']);
    expect(adopted).toEqual([theirs]);
    expect(saved.differs(theirs)).toBe(false);
  });

  it('gives up after three conflicts, and throws a refusal at once', async () => {
    const ours = held(5000, 'alice');
    const busy = kube([conflict(), conflict(), conflict()], () => deploymentWith(9));
    const saved = new SavedState(busy.client as never, quiet);
    saved.started(deploymentWith(7), undefined);
    await expect(saved.write(ours, '7', () => {})).rejects.toThrow('modified');
    expect(busy.writes).toHaveLength(3);
    const refused = kube([new KubeError('forbidden', 'forbidden', 403)], () => deploymentWith(9));
    const again = new SavedState(refused.client as never, quiet);
    await expect(again.write(ours, '7', () => {})).rejects.toThrow('forbidden');
    expect(refused.writes).toHaveLength(1);
  });

  it('adopts a state seen only when it differs in a durable part, and forgets an unreadable one', () => {
    const ours = held(5000, 'alice');
    const saved = new SavedState({} as never, quiet);
    saved.started(deploymentWith(7, ours), ours);
    expect(saved.seen(deploymentWith(8, ours), ours)).toBeUndefined();
    // Another text, the same durable parts (a per-tick streak differs): nothing to adopt.
    expect(saved.seen(deploymentWith(9, { ...ours, downSince: 4000 }), ours)).toBeUndefined();
    const theirs = held(9000, 'bob');
    expect(saved.seen(deploymentWith(9, theirs), ours)).toEqual(theirs);
    const bad = deploymentWith(10);
    bad.metadata.annotations = { [STATE_ANNOTATION]: '{not json' };
    expect(saved.seen(bad, theirs)).toBeUndefined();
    expect(saved.differs(theirs)).toBe(true);
  });
});
