/**
 * One process of the fleet benchmark (fleet.ts): `count` sidecars' Kubernetes loops, each with its own
 * connection, as each JobManager pod has: the list+watch of its FlinkDeployment and the Lease that lets one
 * sidecar act. Every 250 ms it prints one JSON line on stdout: how many of its loops watch right now.
 * Args: URL TOKEN NAMESPACE_PREFIX NAMESPACES FROM COUNT.
 */
import { KubeConnection } from '../../sidecar/src/kube/connection.js';
import { LeaderElector, leaseNameFor } from '../../sidecar/src/kube/lease.js';
import { keepWatching } from '../../sidecar/src/loop/watch.js';
import type { Log } from '../../sidecar/src/loop/sidecar.js';

const [url, token, prefix, namespaces, from, count] = process.argv.slice(2);
if (count === undefined) throw new Error('usage: fleet-loops URL TOKEN PREFIX NAMESPACES FROM COUNT');
const quiet: Log = () => undefined;
const watching = new Set<number>();
const stops: (() => Promise<void>)[] = [];

for (let i = Number(from); i < Number(from) + Number(count); i += 1) {
  const namespace = `${prefix}${i % Number(namespaces)}`;
  const name = `job-${i}`;
  const connection = new KubeConnection({ server: url as string, token: token as string });
  const watch = keepWatching({
    connection,
    target: { namespace, name },
    onDeployment: () => undefined,
    onStatus: (status) => {
      if (status.watching) watching.add(i);
      else watching.delete(i);
    },
    log: quiet,
  });
  const elector = new LeaderElector({
    connection,
    namespace,
    name: leaseNameFor(name),
    identity: `${name}-jobmanager-0`,
    log: quiet,
  });
  elector.start();
  stops.push(async () => {
    await Promise.all([watch.stop(), elector.stop()]);
    connection.close();
  });
}

const report = setInterval(() => {
  process.stdout.write(`${JSON.stringify({ watching: watching.size })}\n`);
}, 250);

process.once('SIGTERM', () => {
  clearInterval(report);
  void Promise.all(stops.map((stop) => stop())).then(() => process.exit(0));
});
