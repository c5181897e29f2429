/**
 * The shapes of the JobManager's REST answers the sidecar reads, as Flink really sends them (bare arrays
 * for metrics, aggregated values as numbers but "NaN"/"Infinity" as strings); unknown fields pass.
 */
import { z } from 'zod';

const id32 = z.string().regex(/^[0-9a-f]{32}$/);

export const overviewSchema = z.looseObject({
  taskmanagers: z.int().nonnegative(),
  'slots-total': z.int().nonnegative(),
  'slots-available': z.int().nonnegative(),
  'flink-version': z.string().optional(),
});
export type Overview = z.infer<typeof overviewSchema>;

export const jobsOverviewSchema = z.looseObject({
  jobs: z.array(z.looseObject({ jid: id32, name: z.string(), state: z.string(), 'start-time': z.number() })),
});

export const jobDetailsSchema = z.looseObject({
  jid: id32,
  name: z.string(),
  state: z.string(),
  maxParallelism: z.number().optional(),
  timestamps: z.record(z.string(), z.number()).optional(),
  vertices: z.array(
    z.looseObject({
      id: id32,
      name: z.string(),
      parallelism: z.int(),
      maxParallelism: z.int().optional(),
      status: z.string(),
    }),
  ),
  plan: z.looseObject({
    nodes: z.array(z.looseObject({ id: id32, inputs: z.array(z.looseObject({ id: id32 })).optional() })),
  }),
});
export type JobDetails = z.infer<typeof jobDetailsSchema>;

export const configSchema = z.array(z.looseObject({ key: z.string(), value: z.string() }));

export const metricListSchema = z.array(z.looseObject({ id: z.string() }));

/** An aggregated value: a JSON number, or NaN/Infinity spelled as a string. */
const aggregate = z.union([z.number(), z.enum(['NaN', 'Infinity', '-Infinity']).transform((s) => Number(s))]);

export const aggregatedSchema = z.array(
  z.looseObject({
    id: z.string(),
    min: aggregate.optional(),
    max: aggregate.optional(),
    avg: aggregate.optional(),
    sum: aggregate.optional(),
  }),
);
export type Aggregated = z.infer<typeof aggregatedSchema>;

export const taskManagersSchema = z.looseObject({
  taskmanagers: z.array(z.looseObject({ id: z.string(), slotsNumber: z.int().nonnegative() })),
});
