/** Whole counts and worker-hours with thousands separators: 40000 → "40,000", 412.4 → "412". */
export function count(value: number): string {
  return Math.round(value).toLocaleString('en');
}

/** A share as a whole percentage, "18 %"; "–" when the whole is 0. */
export function share(part: number, whole: number): string {
  return whole > 0 ? `${Math.round((100 * part) / whole)} %` : '–';
}
