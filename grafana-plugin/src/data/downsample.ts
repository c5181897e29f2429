/**
 * Line paths for SVG from long series: one pass, and per pixel column only the first, lowest, highest and
 * last samples (M4), so 40,000 points draw as a few hundred without changing what the eye sees. Missing
 * samples break the line; +Infinity is drawn at the top edge.
 */
import type { Series } from './frames';

export interface Extent {
  min: number;
  max: number;
}

/** The finite min and max of the samples in [from, to]; undefined when there is none. */
export function extent(series: readonly Series[], from: number, to: number): Extent | undefined {
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (const s of series) {
    const n = Math.min(s.times.length, s.values.length);
    for (let i = 0; i < n; i++) {
      const t = s.times[i] as number;
      if (t < from || t > to) continue;
      const v = s.values[i];
      if (typeof v !== 'number' || !Number.isFinite(v)) continue;
      if (v < min) min = v;
      if (v > max) max = v;
    }
  }
  return min <= max ? { min, max } : undefined;
}

export interface Frame {
  from: number;
  to: number;
  width: number;
  height: number;
  /** Value at the bottom and at the top edge. */
  yMin: number;
  yMax: number;
}

const r = (v: number) => Math.round(v * 10) / 10;

/** The SVG path `d` of one series in the frame (empty when nothing is in range). */
export function linePath(series: Series, f: Frame): string {
  const out: string[] = [];
  const span = f.to - f.from || 1;
  const ySpan = f.yMax - f.yMin || 1;
  const y = (v: number) => {
    const clipped = v > f.yMax ? f.yMax : v < f.yMin ? f.yMin : v;
    return r(f.height - ((clipped - f.yMin) / ySpan) * f.height);
  };
  let column = -1;
  let penDown = false;
  // The current column's first, lowest, highest and last samples (value and index).
  let firstV = 0,
    minV = 0,
    maxV = 0,
    lastV = 0,
    minI = 0,
    maxI = 0,
    count = 0;
  const flush = () => {
    if (count === 0) return;
    const x = column + 0.5;
    out.push(`${penDown ? 'L' : 'M'}${x} ${y(firstV)}`);
    penDown = true;
    if (count > 1) {
      const [a, b] = minI <= maxI ? [minV, maxV] : [maxV, minV];
      out.push(`L${x} ${y(a)}L${x} ${y(b)}L${x} ${y(lastV)}`);
    }
    count = 0;
  };
  const n = Math.min(series.times.length, series.values.length);
  for (let i = 0; i < n; i++) {
    const t = series.times[i] as number;
    if (t < f.from || t > f.to) continue;
    const raw = series.values[i];
    if (typeof raw !== 'number' || Number.isNaN(raw)) {
      flush();
      penDown = false;
      continue;
    }
    const v = raw === Number.POSITIVE_INFINITY ? f.yMax : raw === Number.NEGATIVE_INFINITY ? f.yMin : raw;
    const col = Math.min(f.width - 1, Math.floor(((t - f.from) / span) * f.width));
    if (col !== column) {
      flush();
      column = col;
    }
    if (count === 0) {
      firstV = minV = maxV = v;
      minI = maxI = i;
    } else {
      if (v < minV) {
        minV = v;
        minI = i;
      }
      if (v > maxV) {
        maxV = v;
        maxI = i;
      }
    }
    lastV = v;
    count++;
  }
  flush();
  return out.join('');
}
