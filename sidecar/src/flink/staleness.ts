/**
 * Staleness from the metrics' own change. The JobManager answers from a metric store it refreshes at most
 * every `metrics.fetcher.update-interval` (default 10 s), so a sample whose every figure (backlog gauges,
 * counters, meters, CPU) equals the last one is a repeat of the same store when it was taken within that
 * interval, or when the source reads records (its meter says so) and yet its counter has not moved. A steady
 * idle job repeats its figures honestly, so equal figures alone, after the interval, prove nothing.
 */

export interface Figures {
  /** Time the figures were read, ms. */
  time: number;
  /** Every raw figure of the sample, in a fixed order, as one text. */
  text: string;
  /** Whether some source reports records flowing (a meter above 0) and has a counter that should move. */
  reading: boolean;
}

/** Canonical text of aggregated rows: ids sorted, each with the aggregates read. */
export function figuresText(
  parts: readonly (readonly {
    id: string;
    min?: number | undefined;
    sum?: number | undefined;
    avg?: number | undefined;
  }[])[],
): string {
  return JSON.stringify(
    parts.map((rows) =>
      [...rows]
        .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
        .map((r) => [r.id, r.min, r.sum, r.avg]),
    ),
  );
}

/** Why `current` repeats `last` from an unrefreshed store, or undefined when it is fresh. */
export function staleBecause(
  last: Figures | undefined,
  current: Figures,
  fetchIntervalMs: number,
): string | undefined {
  if (!last || last.text !== current.text) return undefined;
  const seconds = (current.time - last.time) / 1000;
  if (current.time - last.time < fetchIntervalMs) {
    return (
      `every figure equals the sample of ${seconds} s ago, within Flink's metric cache interval ` +
      `(metrics.fetcher.update-interval, ${fetchIntervalMs / 1000} s): the same store answered`
    );
  }
  if (current.reading) {
    return (
      `the source reads records by its meter, yet its counter and every other figure are unchanged after ` +
      `${seconds} s: the JobManager's metric store was not refreshed`
    );
  }
  return undefined;
}
