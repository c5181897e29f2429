/**
 * The non-metric endpoints: cluster overview, jobs, job details, plan, configs, checkpoints and TaskManagers,
 * with 404 for unknown jobs.
 */
import { Router, type Request, type Response } from 'express';
import { badHexIds, knownJob, sendError } from './http.js';
import type { View } from './view.js';
import { jobManagerConfig, overview, taskManagers } from './views-cluster.js';
import { checkpoints, jobConfig, jobDetails, jobIds, jobsOverview, plan } from './views-job.js';

export function restRoutes(view: () => View): Router {
  const router = Router();
  const cluster = (body: (v: View) => unknown) => (_req: Request, res: Response) =>
    void res.json(body(view()));
  const job = (body: (v: View) => unknown) => (req: Request, res: Response) => {
    if (badHexIds(req, res, 'jobid')) return;
    const v = view();
    if (knownJob(req, res, v)) res.json(body(v));
  };

  router.get('/overview', cluster(overview));
  router.get('/jobs', cluster(jobIds));
  router.get('/jobs/overview', cluster(jobsOverview));
  router.get('/jobmanager/config', cluster(jobManagerConfig));
  router.get('/taskmanagers', cluster(taskManagers));
  router.get('/jobs/:jobid', job(jobDetails));
  router.get(
    '/jobs/:jobid/plan',
    job((v) => ({ plan: plan(v) })),
  );
  router.get('/jobs/:jobid/config', job(jobConfig));
  router.get('/jobs/:jobid/jobmanager/config', job(jobManagerConfig));
  router.get('/jobs/:jobid/checkpoints', (req, res) => {
    if (badHexIds(req, res, 'jobid')) return;
    const v = view();
    if (!knownJob(req, res, v)) return;
    if (!v.cluster.options.checkpointing) return sendError(res, 404, 'Checkpointing has not been enabled.');
    res.json(checkpoints(v));
  });
  return router;
}
