/** Flink's REST error bodies and path parameter checks, shared by the route files. */
import type { Request, Response } from 'express';
import { HEX_ID } from './ids.js';
import type { View } from './view.js';

/** Answers `{"errors": [message]}` with the status. */
export function sendError(res: Response, status: number, message: string): void {
  res.status(status).json({ errors: [message] });
}

/** A path parameter as a string (express 5 may hand out arrays for wildcards; these routes have none). */
export function param(req: Request, name: string): string {
  const value: unknown = req.params[name];
  return Array.isArray(value) ? value.join('/') : String(value);
}

/** Checks 32-hex path ids (`jobid`, `vertexid`): a malformed one is a 400, as Flink fails to parse it. */
export function badHexIds(req: Request, res: Response, ...names: string[]): boolean {
  for (const name of names) {
    const value = param(req, name);
    if (!HEX_ID.test(value)) {
      sendError(res, 400, `Cannot resolve path parameter (${name}) from value "${value}".`);
      return true;
    }
  }
  return false;
}

/** Whether `jobid` names the one job of this cluster (answers 404 otherwise). */
export function knownJob(req: Request, res: Response, view: View): boolean {
  const jobId = param(req, 'jobid').toLowerCase();
  if (jobId === view.cluster.options.jobId) return true;
  sendError(res, 404, `Job ${jobId} not found`);
  return false;
}
