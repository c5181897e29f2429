/**
 * A person's scale, carried out on the FlinkDeployment: judged (bounds, rescale in progress), written as
 * ONE merge patch with the resourceVersion, the replicas and the hold; a conflicting writer makes it read
 * again, judge again and write once more (a second conflict is the caller's 409); a write whose answer was
 * lost is read back before it counts as failed. Then an Event naming the person and the reason.
 */
import type { PolicyConfig } from '@flink-autoscaler/shared';
import { KubeError } from '../kube/api-error.js';
import type { KubeConnection } from '../kube/connection.js';
import { specReplicas, type FlinkDeployment } from '../kube/deployment.js';
import { createEvent } from '../kube/event.js';
import { holdOf, pausedOf, type Hold } from '../kube/manual-hold.js';
import { kubeFailure } from './errors.js';
import { judgeScale, readDeployment, writeScale } from './flink-deployment.js';
import type { ScaleBody } from './scale-body.js';

export interface ManualScale {
  connection: KubeConnection;
  namespace: string;
  name: string;
  body: ScaleBody;
  /** The base policy (the sidecar's policy flags), under the job's annotations: its bounds. */
  policy: PolicyConfig;
  /** The Kubernetes user the scale was decided for. */
  by: string;
  clock: () => number;
}

export interface ScaleDone {
  deployment: FlinkDeployment;
  hold: Hold;
  paused: boolean;
}

/** Whether the FlinkDeployment carries exactly this hold and its replicas (the write went through). */
function carries(deployment: FlinkDeployment, hold: Hold): boolean {
  const now = holdOf(deployment);
  return (
    now.ok &&
    now.hold?.at === hold.at &&
    now.hold.by === hold.by &&
    now.hold.replicas === hold.replicas &&
    specReplicas(deployment) === hold.replicas
  );
}

function mayHaveHappened(error: unknown): boolean {
  return error instanceof KubeError && (error as { mayHaveHappened?: boolean }).mayHaveHappened === true;
}

export async function carryOut(scale: ManualScale): Promise<ScaleDone> {
  const { connection, namespace, name, body } = scale;
  const read = async () => {
    try {
      return await readDeployment(connection, namespace, name);
    } catch (error) {
      throw kubeFailure(error, namespace, name);
    }
  };
  const now = scale.clock();
  const holdFor = (current: FlinkDeployment): Hold => {
    const from = specReplicas(current);
    return {
      replicas: body.replicas,
      ...(from === undefined ? {} : { from }),
      by: scale.by.slice(0, 256),
      reason: body.reason,
      at: new Date(now).toISOString(),
      until: new Date(now + body.holdSeconds * 1000).toISOString(),
    };
  };
  const write = async (current: FlinkDeployment, hold: Hold): Promise<FlinkDeployment> => {
    try {
      return await writeScale(connection, current, hold);
    } catch (error) {
      if (!mayHaveHappened(error)) throw error;
      const after = await read();
      if (carries(after, hold)) return after;
      throw error;
    }
  };

  let deployment = await read();
  judgeScale(deployment, body.replicas, now, scale.policy);
  let hold = holdFor(deployment);
  if (!body.dryRun) {
    try {
      deployment = await write(deployment, hold);
    } catch (error) {
      if (!(error instanceof KubeError) || error.failure !== 'conflict')
        throw kubeFailure(error, namespace, name);
      // Someone wrote in between: judge the new version and write once more.
      deployment = await read();
      judgeScale(deployment, body.replicas, scale.clock(), scale.policy);
      hold = holdFor(deployment);
      try {
        deployment = await write(deployment, hold);
      } catch (again) {
        throw kubeFailure(again, namespace, name);
      }
    }
  }
  return { deployment, hold, paused: pausedOf(deployment) };
}

/** The Event on the FlinkDeployment: who, from what to what, until when, why. */
export function recordScale(
  connection: KubeConnection,
  done: ScaleDone,
  reason: string,
  instance: string,
): Promise<void> {
  const { deployment, hold, paused } = done;
  return createEvent(
    connection,
    {
      namespace: deployment.metadata.namespace ?? '',
      involvedObject: {
        apiVersion: 'flink.apache.org/v1beta1',
        kind: 'FlinkDeployment',
        name: deployment.metadata.name,
        ...(deployment.metadata.uid === undefined ? {} : { uid: deployment.metadata.uid }),
        ...(deployment.metadata.resourceVersion === undefined
          ? {}
          : { resourceVersion: deployment.metadata.resourceVersion }),
      },
      type: 'Normal',
      reason: 'ManualScale',
      message:
        `${hold.by} scaled the TaskManagers from ${hold.from ?? 'unset'} to ${hold.replicas}; the autoscaler ` +
        `holds until ${hold.until}${paused ? ' (and stays paused: flink-autoscaler.io/paused)' : ''}. ` +
        `Reason: ${reason}`,
      action: 'Scale',
      component: 'flink-autoscaler-gateway',
      instance,
    },
    new Date(hold.at),
  );
}
