/**
 * The Kubernetes double against the official Python client (Debian's python3-kubernetes for /usr/bin/python3),
 * each case's expectation from kube-apiserver's documented behaviour. One double and one client process serve
 * every case (starting them costs seconds); the cases, by area, are in python-*.ts. The watch cases run last:
 * they restart the API server.
 */
import { afterAll, afterEach, beforeAll } from 'vitest';
import { ns, startConformanceDouble, startupTimeoutMs, type Conformance } from './double.js';
import { builtInKindCases } from './python-core.js';
import { flinkDeploymentCases } from './python-flinkdeployments.js';
import { pythonClientForTests } from './python-client.js';
import { scaleCases } from './python-scale.js';
import { watchCases } from './python-watch.js';

const conformance = {} as Conformance;

beforeAll(async () => {
  conformance.double = await startConformanceDouble();
  conformance.py = await pythonClientForTests(conformance.double.kubeconfig('conformance-admin'), ns);
}, startupTimeoutMs);

afterAll(async () => {
  await conformance.py?.close();
  await conformance.double?.close();
});

afterEach(() => conformance.double?.clearFaults());

flinkDeploymentCases(conformance);
scaleCases(conformance);
builtInKindCases(conformance);
watchCases(conformance);
