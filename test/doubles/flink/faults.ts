/**
 * The fault modes that act before any handler: a slow answer, a 500, and a 200 whose body is not JSON ('down'
 * closes the listener, see server.ts).
 */
import type { NextFunction, Request, Response } from 'express';
import type { FaultMode } from './options.js';

export interface FaultState {
  mode: FaultMode;
  /** Delay of the 'slow' fault, wall-clock ms. */
  slowMs: number;
  /** TaskManagers hidden by 'taskmanagers-leaving' (undefined: half, rounded up). */
  leavingTaskManagers: number | undefined;
}

/**
 * The response header naming the fault mode an answer was shaped by (not Flink's: a double's own, for
 * harnesses that record what a client was told; a client ignores it as it does any header it does not know).
 */
export const FAULT_HEADER = 'x-double-fault';

/** The body of the 'garbage' fault: what a proxy error page looks like to a JSON client. */
export const GARBAGE_BODY =
  '<html><head><title>502 Bad Gateway</title></head><body>upstream closed</body></html>';

/**
 * Middleware applying the request-level faults; `timers` tracks the pending slow answers so close() can
 * cancel them.
 */
export function faultMiddleware(state: FaultState, timers: Set<NodeJS.Timeout>) {
  return (_req: Request, res: Response, next: NextFunction): void => {
    res.setHeader(FAULT_HEADER, state.mode);
    switch (state.mode) {
      case 'slow': {
        const timer = setTimeout(() => {
          timers.delete(timer);
          // handled after the delay, in the mode of then
          res.setHeader(FAULT_HEADER, state.mode);
          next();
        }, state.slowMs);
        timers.add(timer);
        res.on('close', () => {
          clearTimeout(timer);
          timers.delete(timer);
        });
        return;
      }
      case '500':
        res.status(500).json({
          errors: [
            'Internal server error.',
            '<Exception on server side:\njava.util.concurrent.TimeoutException\n>',
          ],
        });
        return;
      case 'garbage':
        res.status(200).type('application/json').send(GARBAGE_BODY);
        return;
      default:
        next();
    }
  };
}
