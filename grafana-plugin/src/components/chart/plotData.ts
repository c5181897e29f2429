/**
 * The series of one chart as uPlot takes them: one time column shared by every line, a value column per
 * series (null where it has no sample), only the samples in the time range. Series that share their
 * times (one Prometheus step) are taken as they are; others are merged on the union of their times.
 * +Infinity (a backlog with no throughput) is drawn at the top of the chart and remembered, so the
 * tooltip can say ∞.
 */
import type { Series } from '../../data/frames';

export interface PlotData {
  /** [times, ...values]: uPlot's AlignedData. */
  columns: [number[], ...Array<Array<number | null>>];
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

/**
 * Aligns `list` on shared times within [from, to]. +Infinity is drawn at the largest finite value or at
 * `top` (the highest threshold) when that is higher.
 */
export function plotData(list: readonly Series[], from: number, to: number, top?: number): PlotData {
  const first = list[0];
  const shared = first !== undefined && list.every((s) => sameTimes(s.times, first.times));
  let times: number[];
  let rows: (s: Series) => Array<number | undefined>;
  if (shared) {
    const [lo, hi] = inRange(first.times, from, to);
    times = Array.from({ length: hi - lo }, (_, i) => first.times[lo + i] as number);
    rows = () => Array.from({ length: hi - lo }, (_, i) => lo + i);
  } else {
    times = unionTimes(list, from, to);
    rows = (s) => {
      const out: Array<number | undefined> = new Array(times.length);
      let j = 0;
      for (let i = 0; i < times.length; i++) {
        while (j < s.times.length && (s.times[j] as number) < (times[i] as number)) j++;
        out[i] = j < s.times.length && s.times[j] === times[i] ? j : undefined;
      }
      return out;
    };
  }
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  const columns: Array<Array<number | null>> = [];
  const infinite: Array<Set<number>> = [];
  for (const s of list) {
    const idx = rows(s);
    const values: Array<number | null> = new Array(idx.length);
    const inf = new Set<number>();
    for (let r = 0; r < idx.length; r++) {
      const i = idx[r];
      const v = i === undefined ? undefined : s.values[i];
      if (typeof v !== 'number' || Number.isNaN(v) || v === Number.NEGATIVE_INFINITY) {
        values[r] = null;
      } else if (v === Number.POSITIVE_INFINITY) {
        values[r] = null;
        inf.add(r);
      } else {
        values[r] = v;
        if (v < min) min = v;
        if (v > max) max = v;
      }
    }
    columns.push(values);
    infinite.push(inf);
  }
  const finite = min <= max;
  const ceiling = Math.max(finite ? max : Number.NEGATIVE_INFINITY, top ?? Number.NEGATIVE_INFINITY);
  if (Number.isFinite(ceiling)) {
    columns.forEach((values, c) => infinite[c]?.forEach((r) => (values[r] = ceiling)));
  }
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
        if (v == null) {
          // A gap stays a gap: its edges are kept.
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
