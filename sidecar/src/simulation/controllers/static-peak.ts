/** `static-peak`: a fixed size, the fewest workers that keep up with the trace's peak input rate. */
import { workersFor } from '../job.js';
import { rateAt } from '../trace.js';
import type { ControllerFactory } from './types.js';

export const staticPeakFactory: ControllerFactory = ({ shape, trace }) => {
  let peak = 0;
  for (let t = 0; t <= trace.durationSeconds; t += 10) peak = Math.max(peak, rateAt(trace, t));
  const workers = workersFor(shape, peak);
  return { name: 'static-peak', intervalSeconds: 60, initialWorkers: workers, decide: () => workers };
};
