/** `/healthz` (the process answers) and `/metrics` (Prometheus text): the routes every process of ours serves. */
import express, { type Router } from 'express';

export function probeRoutes(metricsText: () => Promise<string>): Router {
  const router = express.Router();
  router.get('/healthz', (_req, res) => {
    res.type('text/plain').send('ok\n');
  });
  router.get('/metrics', async (_req, res) => {
    res.type('text/plain; version=0.0.4').send(await metricsText());
  });
  return router;
}
