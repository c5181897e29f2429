/**
 * Where the threshold labels go inside the plot: each just above its line, at the plot's right end (so
 * never over the y axis and its labels on the left), pushed apart when two lines are close and kept
 * inside the plot's height.
 */
export interface LabelSlot {
  /** Index in the input. */
  index: number;
  /** Top of the label, px from the top of the plot area. */
  top: number;
}

/**
 * `lineYs`: the lines' y (px from the top of the plot area); `labelHeight`: one label's height;
 * `plotHeight`: the plot area's height. Labels sit above their line (below it when there is no room),
 * none overlaps another, all stay within [0, plotHeight - labelHeight] when they fit.
 */
export function placeLabels(lineYs: readonly number[], labelHeight: number, plotHeight: number): LabelSlot[] {
  const wanted = lineYs
    .map((y, index) => ({ index, top: y - labelHeight - 1 < 0 ? y + 1 : y - labelHeight - 1 }))
    .sort((a, b) => a.top - b.top);
  const maxTop = Math.max(0, plotHeight - labelHeight);
  // Top to bottom: each label at least one label below the previous.
  for (let i = 0; i < wanted.length; i++) {
    const slot = wanted[i] as LabelSlot;
    const previous = wanted[i - 1];
    slot.top = Math.max(0, slot.top, previous === undefined ? 0 : previous.top + labelHeight);
  }
  // Bottom to top: none past the bottom, each at least one label above the next.
  for (let i = wanted.length - 1; i >= 0; i--) {
    const slot = wanted[i] as LabelSlot;
    const next = wanted[i + 1];
    slot.top = Math.min(slot.top, maxTop, next === undefined ? maxTop : next.top - labelHeight);
  }
  return wanted.map((s) => ({ ...s, top: Math.round(s.top) })).sort((a, b) => a.index - b.index);
}
