/** Short, unit-aware number formats for small panels. */

const SI = [
  { at: 1e12, suffix: 'T' },
  { at: 1e9, suffix: 'G' },
  { at: 1e6, suffix: 'M' },
  { at: 1e3, suffix: 'k' },
];

/** 1234 → "1.23k", 0.5 → "0.5", -2500 → "-2.5k"; ∞ for infinite values. */
export function formatNumber(value: number): string {
  if (Number.isNaN(value)) return '–';
  if (!Number.isFinite(value)) return value > 0 ? '∞' : '-∞';
  const abs = Math.abs(value);
  for (const { at, suffix } of SI) {
    if (abs >= at) return `${trim((value / at).toPrecision(3))}${suffix}`;
  }
  if (abs === 0) return '0';
  if (abs >= 100) return String(Math.round(value));
  return trim(value.toPrecision(abs >= 1 ? 3 : 2));
}

function trim(text: string): string {
  return text.includes('.') && !text.includes('e') ? text.replace(/\.?0+$/, '') : text;
}

/** Seconds as "45 s", "2.5 min", "3.2 h", "2.1 d"; ∞ when the backlog never drains. */
export function formatDuration(seconds: number): string {
  if (Number.isNaN(seconds)) return '–';
  if (!Number.isFinite(seconds)) return '∞';
  const abs = Math.abs(seconds);
  if (abs < 120) return `${formatNumber(seconds)} s`;
  if (abs < 2 * 3600) return `${formatNumber(seconds / 60)} min`;
  if (abs < 2 * 86400) return `${formatNumber(seconds / 3600)} h`;
  return `${formatNumber(seconds / 86400)} d`;
}

/** A 0..1 ratio as a percentage: 0.905 → "90.5 %". */
export function formatPercent(ratio: number): string {
  if (!Number.isFinite(ratio)) return '–';
  const pct = ratio * 100;
  return `${trim(pct.toFixed(Math.abs(pct) < 10 ? 1 : Math.abs(pct) < 100 ? 1 : 0))} %`;
}

/** A rate in the source's unit: "1.2k records/s". */
export function formatRate(value: number, unit: string): string {
  return `${formatNumber(value)} ${unit}/s`;
}

/** A Unix ms time as local "HH:MM" today, else "D Mon HH:MM". */
export function formatTime(ms: number, now = Date.now()): string {
  const date = new Date(ms);
  const hm = `${String(date.getHours()).padStart(2, '0')}:${String(date.getMinutes()).padStart(2, '0')}`;
  if (new Date(now).toDateString() === date.toDateString()) return hm;
  const month = date.toLocaleString('en', { month: 'short' });
  return `${date.getDate()} ${month} ${hm}`;
}
