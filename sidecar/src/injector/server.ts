/**
 * The injector's HTTP surface: `POST /mutate` answers AdmissionReview v1 (always allowing the pod, with
 * the sidecar patch when it asked for it), `/healthz`, `/metrics`. A request that is not an AdmissionReview
 * gets a 4xx saying why; a failure inside lets the pod through unchanged. Skips a person should act on
 * become Events (not for dry runs), within the EventGate's bounds: served namespaces, deduplicated,
 * rate-limited.
 */
import express, { type Express, type Request, type Response } from 'express';
import { observe, type RequestLog } from '../http/context.js';
import { errorHandler, HttpError, methodNotAllowed, notFound } from '../http/errors.js';
import { probeRoutes } from '../http/probe-routes.js';
import type { OperatorDefaultsReading } from '../kube/operator-defaults.js';
import { admit, type Admission } from './admit.js';
import { EventGate, type EventVerdict } from './event-gate.js';
import type { SkipEvent } from './events.js';
import type { InjectorMetrics } from './metrics.js';
import { admissionResponse, admissionReviewSchema } from './review.js';
import type { SidecarSettings } from './settings.js';

/** Larger than any pod the API server stores (1.5 MiB in etcd), with room for the review around it. */
export const MAX_REVIEW_BYTES = 3 * 1024 * 1024;

export interface InjectorDeps {
  settings: SidecarSettings;
  metrics: InjectorMetrics;
  /** Writes an Event about a skipped injection (best effort; failures are counted, never block). */
  recordSkip?: (event: SkipEvent) => Promise<void>;
  /** Which of those Events are written (default: every namespace, deduplicated for 10 min, 10/min burst 20). */
  eventGate?: EventGate;
  /** Each admission's line (info), and its request's (debug, or warn/error when refused or failed). */
  log?: RequestLog;
  clock?: () => number;
  /** With `--flink-operator-config`: the operator's default autoscaler keys for a pod's namespace. */
  operatorDefaults?: (namespace: string) => OperatorDefaultsReading;
}

function describe(admission: Admission): Record<string, unknown> {
  return admission.outcome === 'injected'
    ? { outcome: 'injected', reason: 'injected', flinkdeployment: admission.deployment }
    : { outcome: 'skipped', reason: admission.reason, message: admission.message };
}

export function createInjectorApp(deps: InjectorDeps): Express {
  const { settings, metrics } = deps;
  const log = deps.log ?? (() => undefined);
  const clock = deps.clock ?? Date.now;
  const gate = deps.eventGate ?? new EventGate({ clock });
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use(observe({ log, count: () => undefined }));

  app.post(
    '/mutate',
    express.json({ limit: MAX_REVIEW_BYTES, strict: true, type: () => true }),
    (req: Request, res: Response) => {
      const started = performance.now();
      const parsed = admissionReviewSchema.safeParse(req.body);
      if (!parsed.success) {
        metrics.admissions.inc({ outcome: 'error', reason: 'bad-review' });
        const problems = parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`);
        throw new HttpError(400, 'bad-review', `not an AdmissionReview v1: ${problems.join('; ')}`);
      }
      const request = parsed.data.request;
      let admission: Admission;
      try {
        admission = admit(request, settings, deps.operatorDefaults);
      } catch (error) {
        admission = {
          outcome: 'skipped',
          reason: 'bad-pod',
          message: `the injector failed on this pod and let it through unchanged: ${(error as Error).message}`,
          notable: true,
        };
      }
      const patch = admission.outcome === 'injected' ? admission.patch : undefined;
      const warnings =
        admission.outcome === 'skipped' && admission.notable
          ? [`flink-autoscaler: ${admission.message}`]
          : [];
      res.json(admissionResponse(request.uid, patch, warnings));
      const reason = admission.outcome === 'injected' ? 'injected' : admission.reason;
      metrics.admissions.inc({ outcome: admission.outcome, reason });
      metrics.duration.observe((performance.now() - started) / 1000);
      let event: SkipEvent | undefined;
      let verdict: EventVerdict | undefined;
      if (
        admission.outcome === 'skipped' &&
        admission.notable &&
        request.dryRun !== true &&
        deps.recordSkip
      ) {
        const object = (request.object ?? {}) as { metadata?: { name?: string; generateName?: string } };
        const podName = object.metadata?.name || object.metadata?.generateName || undefined;
        event = {
          namespace: request.namespace ?? 'default',
          reason: admission.reason,
          message: admission.message,
          ...(admission.deployment ? { deployment: admission.deployment } : {}),
          ...(podName ? { podName } : {}),
        };
        verdict = gate.admit(event);
        if (verdict !== 'write') metrics.eventsSuppressed.inc({ reason: verdict });
      }
      log('info', 'admission', {
        uid: request.uid,
        namespace: request.namespace,
        dryRun: request.dryRun === true,
        ...describe(admission),
        ...(verdict !== undefined ? { event: verdict === 'write' ? 'written' : verdict } : {}),
      });
      if (event !== undefined && verdict === 'write' && deps.recordSkip) {
        deps.recordSkip(event).catch((error: unknown) => {
          metrics.eventFailures.inc();
          log('warn', 'event not written', { error: (error as Error).message });
        });
      }
    },
  );
  app.all('/mutate', methodNotAllowed('POST'));
  app.use(probeRoutes(() => metrics.text()));
  app.use(notFound);
  app.use(errorHandler);
  return app;
}

/** The plain-HTTP app on --metrics-listen: /metrics and /healthz only (probes and Prometheus). */
export function createProbeApp(metrics: InjectorMetrics): Express {
  const app = express();
  app.disable('x-powered-by');
  app.use(probeRoutes(() => metrics.text()));
  app.use(notFound);
  app.use(errorHandler);
  return app;
}
