/**
 * The shapes of the JobManager's REST answers the sidecar reads, as Flink really sends them (bare arrays
 * for metrics, aggregated values as numbers but "NaN"/"Infinity" as strings); unknown fields pass.
 */
import { z } from 'zod';
import { FLINK_JSON_BOUNDS, grouped } from './bounded-json.js';

const id32 = z.string().regex(/^[0-9a-f]{32}$/);

/**
 * An array of at most `max` items whose validation stops at the first item that fails. (z.array reports
 * every failing item: an answer of 100,000 `{}` made 100,000 issues, hundreds of MiB.)
 */
export function list<T extends z.ZodType>(element: T, max: number = FLINK_JSON_BOUNDS.maxItems) {
  return z.unknown().transform((value, ctx): z.output<T>[] => {
    if (!Array.isArray(value)) {
      ctx.issues.push({ code: 'invalid_type', expected: 'array', input: value });
      return z.NEVER;
    }
    if (value.length > max) {
      ctx.issues.push({
        code: 'custom',
        input: value.length,
        message: `more than ${grouped(max)} items (the cap on one array of a Flink answer)`,
      });
      return z.NEVER;
    }
    const out = new Array<z.output<T>>(value.length);
    for (let i = 0; i < value.length; i++) {
      const parsed = element.safeParse(value[i]);
      if (!parsed.success) {
        const first = parsed.error.issues[0]!;
        ctx.issues.push({ ...first, input: value[i], path: [i, ...first.path] });
        return z.NEVER;
      }
      out[i] = parsed.data;
    }
    return out;
  });
}

export const overviewSchema = z.looseObject({
  taskmanagers: z.int().nonnegative(),
  'slots-total': z.int().nonnegative(),
  'slots-available': z.int().nonnegative(),
  'flink-version': z.string().optional(),
});
export type Overview = z.infer<typeof overviewSchema>;

export const jobsOverviewSchema = z.looseObject({
  jobs: list(z.looseObject({ jid: id32, name: z.string(), state: z.string(), 'start-time': z.number() })),
});

export const jobDetailsSchema = z.looseObject({
  jid: id32,
  name: z.string(),
  state: z.string(),
  maxParallelism: z.number().optional(),
  vertices: list(
    z.looseObject({
      id: id32,
      name: z.string(),
      parallelism: z.int(),
      maxParallelism: z.int().optional(),
      status: z.string(),
    }),
  ),
  plan: z.looseObject({
    nodes: list(z.looseObject({ id: id32, inputs: list(z.looseObject({ id: id32 })).optional() })),
  }),
});
export type JobDetails = z.infer<typeof jobDetailsSchema>;

export const configSchema = list(z.looseObject({ key: z.string(), value: z.string() }));

export const metricListSchema = list(z.looseObject({ id: z.string() }));

/** An aggregated value: a JSON number, or NaN/Infinity spelled as a string. */
const aggregate = z.union([z.number(), z.enum(['NaN', 'Infinity', '-Infinity']).transform((s) => Number(s))]);

export const aggregatedSchema = list(
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
  taskmanagers: list(z.looseObject({ id: z.string(), slotsNumber: z.int().nonnegative() })),
});
