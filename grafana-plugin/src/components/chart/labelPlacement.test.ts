/** Threshold labels: above their line, apart from each other, inside the plot. */
import { describe, expect, it } from 'vitest';
import { placeLabels } from './labelPlacement';

describe('placeLabels', () => {
  it('puts each label just above its line', () => {
    expect(placeLabels([50, 100], 13, 150)).toEqual([
      { index: 0, top: 36 },
      { index: 1, top: 86 },
    ]);
  });

  it('puts a label below a line at the very top', () => {
    expect(placeLabels([4], 13, 150)).toEqual([{ index: 0, top: 5 }]);
  });

  it('pushes close labels apart (CPU 90 % and 70 % on a short chart)', () => {
    const slots = placeLabels([20, 26], 13, 60);
    const [a, b] = slots.map((s) => s.top);
    expect(Math.abs(a! - b!)).toBeGreaterThanOrEqual(13);
    for (const s of slots) expect(s.top).toBeGreaterThanOrEqual(0);
  });

  it('keeps labels inside the plot at the bottom', () => {
    const slots = placeLabels([58, 59], 13, 60);
    for (const s of slots) expect(s.top + 13).toBeLessThanOrEqual(60);
    expect(Math.abs(slots[0]!.top - slots[1]!.top)).toBeGreaterThanOrEqual(13);
  });
});
