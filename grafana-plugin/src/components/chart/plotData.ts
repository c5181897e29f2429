/**
 * The series of one chart as uPlot takes them: one time column shared by every line, a value column per
 * series (null where it has no sample), only the samples in the time range. Series that share their
 * times (one Prometheus step) are taken as they are; others are merged on the union of their times.
 * +Infinity (a backlog with no throughput) is drawn at the top of the chart and remembered, so the
 * tooltip can say ∞.
 */
import type { Series } from '../../data/frames';

export interface PlotData {
  /**
   * [times, ...values]: uPlot's AlignedData. null is a gap in the series (no sample there); undefined is
   * a time only other series have (merged times), which the line passes over, as Grafana's joins do.
   */
  columns: [number[], ...Array<Array<number | null | undefined>>];
  /** Per value column, the rows that are +Infinity (drawn at `top`). */
  infinite: Array<Set<number>>;
  /** The largest finite value, undefined when no value is finite. */
  max: number | undefined;
  min: number | undefined;
}

function inRange(times: ArrayLike<number>, from: number, to: number): [number, number] {
  let lo = 0;
  let hi = times.length;
  while (lo < hi && (times[lo] as number) < from) lo++;
  while (hi > lo && (times[hi - 1] as number) > to) hi--;
  return [lo, hi];
}

function sameTimes(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** The union of the series' times in [from, to], ascending, without repeats. */
function unionTimes(list: readonly Series[], from: number, to: number): number[] {
  const all: number[] = [];
  for (const s of list) {
    const [lo, hi] = inRange(s.times, from, to);
    for (let i = lo; i < hi; i++) all.push(s.times[i] as number);
  }
  all.sort((a, b) => a - b);
  const out: number[] = [];
  for (const t of all) if (out.length === 0 || out[out.length - 1] !== t) out.push(t);
  return out;
}

/** A sample as drawn: a finite number, +Infinity, or a gap (null, NaN, -Infinity, missing). */
function sample(v: number | null | undefined): number | null {
  return typeof v !== 'number' || Number.isNaN(v) || v === Number.NEGATIVE_INFINITY ? null : v;
}

/**
 * The rows of `times[lo..hi)` that M4 keeps for a plot `width` px wide over [from, to]: per pixel column
 * the first and last row, and each series' lowest and highest sample (+Infinity counts as highest; a
 * gap's rows are kept so it stays a gap). All rows when there are few.
 */
function m4Rows(
  times: ArrayLike<number>,
  columns: ReadonlyArray<ArrayLike<number | null | undefined>>,
  lo: number,
  hi: number,
  from: number,
  to: number,
  width: number | undefined,
): ArrayLike<number> {
  const pixels = Math.max(1, Math.floor(width ?? 0));
  if (width === undefined || hi - lo <= pixels * 4) {
    return Array.from({ length: hi - lo }, (_, k) => lo + k);
  }
  const keep = new Uint8Array(hi - lo);
  const span = to - from || 1;
  let start = lo;
  while (start < hi) {
    const col = Math.floor((((times[start] as number) - from) / span) * pixels);
    let end = start + 1;
    while (end < hi && Math.floor((((times[end] as number) - from) / span) * pixels) === col) end++;
    keep[start - lo] = 1;
    keep[end - 1 - lo] = 1;
    for (const values of columns) {
      let min = -1;
      let max = -1;
      let minV = 0;
      let maxV = 0;
      for (let i = start; i < end; i++) {
        const v = sample(values[i]);
        if (v === null) {
          keep[i - lo] = 1;
          continue;
        }
        if (min < 0 || v < minV) {
          min = i;
          minV = v;
        }
        if (max < 0 || v > maxV) {
          max = i;
          maxV = v;
        }
      }
      if (min >= 0) keep[min - lo] = 1;
      if (max >= 0) keep[max - lo] = 1;
    }
    start = end;
  }
  const rows: number[] = [];
  for (let k = 0; k < keep.length; k++) if (keep[k] === 1) rows.push(lo + k);
  return rows;
}

/**
 * Aligns `list` on shared times within [from, to]. +Infinity is drawn at the largest finite value or at
 * `top` (the highest threshold) when that is higher. With `width` (the plot's px), long series are
 * M4-decimated: per pixel column the first, last, lowest and highest sample of every series, so 40,000
 * samples become a few per pixel, the lines look the same and every point is a real sample (the tooltip
 * shows real values).
 */
export function plotData(
  list: readonly Series[],
  from: number,
  to: number,
  top?: number,
  width?: number,
): PlotData {
  const first = list[0];
  const shared = first !== undefined && list.every((s) => sameTimes(s.times, first.times));
  if (!shared) {
    const aligned = alignUnion(list, from, to, top);
    return width === undefined ? aligned : decimate(aligned, from, to, width);
  }
  const [lo, hi] = inRange(first.times, from, to);
  const rows = m4Rows(
    first.times,
    list.map((s) => s.values),
    lo,
    hi,
    from,
    to,
    width,
  );
  const times = Array.from({ length: rows.length }, (_, k) => first.times[rows[k] as number] as number);
  return finish(
    times,
    list.map((s) => Array.from({ length: rows.length }, (_, k) => sample(s.values[rows[k] as number]))),
    top,
  );
}

/** Merged on the union of the series' times, null where one has no sample. */
function alignUnion(list: readonly Series[], from: number, to: number, top: number | undefined): PlotData {
  const times = unionTimes(list, from, to);
  const columns = list.map((s) => {
    const out: Array<number | null | undefined> = new Array(times.length);
    let j = 0;
    for (let i = 0; i < times.length; i++) {
      while (j < s.times.length && (s.times[j] as number) < (times[i] as number)) j++;
      out[i] = j < s.times.length && s.times[j] === times[i] ? sample(s.values[j]) : undefined;
    }
    return out;
  });
  return finish(times, columns, top);
}

/** Notes the +Infinity samples, draws them at the top, and finds the finite extent. */
function finish(
  times: number[],
  columns: Array<Array<number | null | undefined>>,
  top: number | undefined,
): PlotData {
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  const infinite = columns.map((values) => {
    const inf = new Set<number>();
    for (let r = 0; r < values.length; r++) {
      const v = values[r];
      if (v === null || v === undefined) continue;
      if (v === Number.POSITIVE_INFINITY) inf.add(r);
      else {
        if (v < min) min = v;
        if (v > max) max = v;
      }
    }
    return inf;
  });
  const finite = min <= max;
  const ceiling = Math.max(finite ? max : Number.NEGATIVE_INFINITY, top ?? Number.NEGATIVE_INFINITY);
  columns.forEach((values, c) =>
    infinite[c]?.forEach((r) => (values[r] = Number.isFinite(ceiling) ? ceiling : null)),
  );
  return {
    columns: [times, ...columns],
    infinite,
    max: finite ? max : undefined,
    min: finite ? min : undefined,
  };
}

/**
 * Keeps, per pixel column of a plot `width` px wide, the first, last, lowest and highest sample of every
 * series (M4, as data/downsample.ts does for paths): 40,000 samples become a few per pixel and the lines
 * look the same; every kept point is a real sample, so the tooltip shows real values. Rows that no
 * series' extreme needs are dropped from all columns together (they stay aligned).
 */
export function decimate(data: PlotData, from: number, to: number, width: number): PlotData {
  const [times, ...values] = data.columns;
  const n = times.length;
  const columns = Math.max(1, Math.floor(width));
  if (n <= columns * 4) return data;
  const keep = new Uint8Array(n);
  const span = to - from || 1;
  let start = 0;
  while (start < n) {
    const col = Math.floor((((times[start] as number) - from) / span) * columns);
    let end = start + 1;
    while (end < n && Math.floor((((times[end] as number) - from) / span) * columns) === col) end++;
    keep[start] = 1;
    keep[end - 1] = 1;
    for (const column of values) {
      let lo = -1;
      let hi = -1;
      for (let i = start; i < end; i++) {
        const v = column[i];
        if (v === undefined) continue;
        if (v === null) {
          // A gap stays a gap.
          keep[i] = 1;
          continue;
        }
        if (lo < 0 || v < (column[lo] as number)) lo = i;
        if (hi < 0 || v > (column[hi] as number)) hi = i;
      }
      if (lo >= 0) keep[lo] = 1;
      if (hi >= 0) keep[hi] = 1;
    }
    start = end;
  }
  const rows: number[] = [];
  for (let i = 0; i < n; i++) if (keep[i] === 1) rows.push(i);
  const kept = new Map(rows.map((r, k) => [r, k]));
  return {
    columns: [
      rows.map((r) => times[r] as number),
      ...values.map((column) => rows.map((r) => column[r] ?? null)),
    ],
    infinite: data.infinite.map(
      (set) => new Set([...set].flatMap((r) => (kept.has(r) ? [kept.get(r) as number] : []))),
    ),
    max: data.max,
    min: data.min,
  };
}
