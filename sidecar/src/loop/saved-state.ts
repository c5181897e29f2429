/**
 * The autoscaler state as the FlinkDeployment stores it (the state annotation), as far as this sidecar
 * knows: what it last wrote or saw, and the writes themselves. A write carries the resourceVersion last seen
 * as a precondition; a conflict or a lost answer reads the FlinkDeployment back, and what it stores decides:
 * our state means it was written; another state means another writer saved it (adopted, never overwritten);
 * the state we knew means only other fields changed (the operator's status), so it is written again on the
 * new version.
 */
import { serializeState, type AutoscalerState } from '@flink-autoscaler/shared';
import { KubeError, type KubeClient } from '../kube/client.js';
import { stateOf, STATE_ANNOTATION, type FlinkDeployment } from '../kube/deployment.js';
import { mayHaveHappened } from './lost-answer.js';
import type { Log } from './sidecar.js';

/** The parts of the state worth a write to the FlinkDeployment when they change (not the per-tick streak). */
export function durableKey(state: AutoscalerState): string {
  const { rescale, hold, block, pendingEffectiveness, history } = state;
  return JSON.stringify({ rescale, hold, block, pendingEffectiveness, history });
}

/** Tries at a write (a conflict or a lost answer each costs one). */
const WRITE_ATTEMPTS = 3;

export class SavedState {
  /** The durable part and the text of the state as the FlinkDeployment stores it. */
  private key: string | undefined;
  private text: string | undefined;

  constructor(
    private readonly kube: Pick<KubeClient, 'get' | 'saveState'>,
    private readonly log: Log,
  ) {}

  /** At the start: what the FlinkDeployment stores, and the state read from it (undefined if unreadable). */
  started(deployment: FlinkDeployment, state: AutoscalerState | undefined): void {
    this.text = deployment.metadata.annotations?.[STATE_ANNOTATION];
    this.key = state ? durableKey(state) : undefined;
  }

  /** Whether `state` differs in a durable part from what the FlinkDeployment stores. */
  differs(state: AutoscalerState): boolean {
    return durableKey(state) !== this.key;
  }

  /**
   * A version of the FlinkDeployment seen: the state another writer saved there (the leader, seen by a
   * follower; a sidecar that led before), when it differs from `current`; undefined otherwise.
   */
  seen(deployment: FlinkDeployment, current: AutoscalerState): AutoscalerState | undefined {
    const text = deployment.metadata.annotations?.[STATE_ANNOTATION];
    if (text === this.text) return undefined;
    this.text = text;
    this.key = undefined;
    if (text === undefined) return undefined;
    const read = stateOf(deployment);
    if (!read.ok || read.state === undefined) return undefined;
    this.key = durableKey(read.state);
    if (this.key === durableKey(current)) return undefined;
    this.log('info', 'adopted the autoscaler state saved on the FlinkDeployment by another writer', {
      resourceVersion: deployment.metadata.resourceVersion,
    });
    return read.state;
  }

  /**
   * Writes `state` on `version`; every version of the FlinkDeployment it gets goes to `update` (which hands
   * it to `seen`). True when the FlinkDeployment stores it, false when another writer's state was found
   * instead. Throws what is neither a conflict nor a lost answer, or after WRITE_ATTEMPTS.
   */
  async write(
    state: AutoscalerState,
    version: string | undefined,
    update: (deployment: FlinkDeployment) => void,
  ): Promise<boolean> {
    const text = serializeState(state);
    for (let attempt = 1; ; attempt++) {
      try {
        const answer = await this.kube.saveState(text, version);
        this.stored(text, state);
        update(answer);
        return true;
      } catch (error) {
        const conflict = error instanceof KubeError && error.failure === 'conflict';
        if ((!conflict && !mayHaveHappened(error)) || attempt >= WRITE_ATTEMPTS) throw error;
        this.log(
          'info',
          conflict ? 'state write conflicted; reading back' : 'state write answer lost; reading back',
          {
            error: (error as Error).message,
          },
        );
        const current = await this.kube.get();
        const found = current.metadata.annotations?.[STATE_ANNOTATION];
        if (found === text) {
          this.stored(text, state);
          update(current);
          return true;
        }
        const another = found !== this.text;
        update(current);
        if (another) return false;
        version = current.metadata.resourceVersion;
      }
    }
  }

  private stored(text: string, state: AutoscalerState): void {
    this.text = text;
    this.key = durableKey(state);
  }
}
