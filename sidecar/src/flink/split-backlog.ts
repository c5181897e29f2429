/**
 * The backlog of a source read from per-split gauges (Beam's `source_splits_<n>_backlog_*`): every split
 * listed must answer, a split reporting -1 (Beam's "unknown") is estimated as the mean of the known splits,
 * and a sample with too many unknown splits is not trusted. Pure: no I/O.
 */

/** One split gauge's aggregate over the subtasks (the one subtask that runs the split). */
export interface SplitRow {
  min?: number | undefined;
  sum?: number | undefined;
}

export interface SplitCount {
  /** Split gauges that answered a value. */
  found: number;
  /** Split gauges Flink listed at the last re-resolution of the metric ids. */
  expected: number;
  /** Of those found, how many reported -1 (unknown). */
  unknown: number;
}

export type SplitBacklog =
  | { ok: true; backlog: number; splits: SplitCount; estimatedShare: number }
  | {
      ok: false;
      reason: 'splits-incomplete' | 'backlog-unknown' | 'unknown-share-too-high' | 'not-a-number';
      message: string;
      splits: SplitCount;
    };

/** The index of a per-split gauge: `…source_splits_12_backlog_elements` → 12. */
export function splitIndexOf(id: string): number | undefined {
  const match = /\.source_splits_(\d+)_backlog_(?:elements|bytes)$/.exec(id);
  return match ? Number(match[1]) : undefined;
}

/**
 * How many split gauges a listing shows there are: the ids listed, or more when their indices have a gap
 * (Beam numbers a source's splits 0..N−1, so split 9 listed without split 5 means split 5's subtask has not
 * reported yet).
 */
export function expectedSplits(ids: readonly string[]): number {
  const indices = ids.map(splitIndexOf).filter((i): i is number => i !== undefined);
  return indices.length === 0 ? ids.length : Math.max(ids.length, Math.max(...indices) + 1);
}

/** The ids a listing lacks: the indices below `expected` that no id has. */
function missingIndices(ids: readonly string[], expected: number): number[] {
  const have = new Set(ids.map(splitIndexOf));
  return Array.from({ length: expected }, (_, i) => i).filter((i) => !have.has(i));
}

function list(indices: readonly number[]): string {
  const shown = indices.slice(0, 8).join(', ');
  return indices.length > 8 ? `${shown}, … (${indices.length})` : shown;
}

/**
 * Sums the split gauges `ids` from `rows`, `expected` of them wanted. Unknown splits are estimated as the
 * mean per known split; above `maxUnknownShare` of the splits unknown, the sample is refused.
 */
export function splitBacklog(
  ids: readonly string[],
  rows: ReadonlyMap<string, SplitRow>,
  expected: number,
  maxUnknownShare: number,
): SplitBacklog {
  let known = 0;
  let unknown = 0;
  let sum = 0;
  const answered: string[] = [];
  let nan: string | undefined;
  for (const id of ids) {
    const row = rows.get(id);
    if (row?.sum === undefined || row.min === undefined) continue;
    answered.push(id);
    if (!Number.isFinite(row.sum) || !Number.isFinite(row.min)) {
      nan ??= `${id} is ${row.sum}`;
      continue;
    }
    // Beam's BACKLOG_UNKNOWN is -1; a split runs in one subtask, so its min is its value.
    if (row.min < 0) unknown++;
    else {
      known++;
      sum += row.sum;
    }
  }
  const splits = { found: answered.length, expected, unknown };
  if (nan !== undefined) return { ok: false, reason: 'not-a-number', message: nan, splits };
  if (splits.found < expected) {
    const missing = missingIndices(answered, expected);
    const which = missing.length > 0 ? ` (no value for split ${list(missing)})` : '';
    return {
      ok: false,
      reason: 'splits-incomplete',
      message:
        `${splits.found} of ${expected} split backlog gauges answered${which}: a subtask has not reported ` +
        'yet, so the backlog would be under-read; the ids are listed again next cycle',
      splits,
    };
  }
  if (known === 0) {
    return {
      ok: false,
      reason: 'backlog-unknown',
      message: `every one of the ${splits.found} split backlog gauges says unknown (-1)`,
      splits,
    };
  }
  const all = known + unknown;
  const share = unknown / all;
  if (share > maxUnknownShare) {
    return {
      ok: false,
      reason: 'unknown-share-too-high',
      message:
        `${unknown} of ${all} splits report an unknown backlog (-1), more than maxUnknownSplitShare ` +
        `(${maxUnknownShare}): an estimate from the ${known} known splits is not trusted`,
      splits,
    };
  }
  return { ok: true, backlog: (sum / known) * all, splits, estimatedShare: share };
}
