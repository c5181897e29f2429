/**
 * Pictures of simulation runs as standalone SVG strings: one policy on one trace (renderRunSvg) and every
 * policy on one trace (renderComparisonSvg). Pure and deterministic: the same results give the same string.
 * Long timelines are thinned to the min and max per pixel column, so spikes survive and paths stay small.
 */
import { DEFAULT_CONFIG } from '@flink-autoscaler/shared';
import { SLO_BACKLOG_SECONDS } from './figures.js';
import type { RunResult, TimelinePoint } from './run.js';

export interface SvgOptions {
  /** Width in pixels (default 1000). */
  width?: number;
  /** Replaces the default title. */
  title?: string;
}

type Point = readonly [x: number, y: number];

interface Frame {
  left: number;
  top: number;
  width: number;
  height: number;
  /** Seconds at the right edge. */
  tEnd: number;
}

interface Axis {
  ticks: readonly number[];
  label: (value: number) => string;
  y: (value: number) => number;
}

interface Style {
  colour: string;
  width?: number;
  dash?: string;
}

interface LegendItem extends Style {
  label: string;
  band?: boolean;
}

const LEFT = 64;
const RIGHT = 24;
/** At most this many pixel buckets per path, two vertices (min and max) each. */
const MAX_BUCKETS = 900;
/** Above this, backlog time is drawn at the panel top and marked. */
const BACKLOG_CLIP_MAX = 10_000;
const GRID = '#e3e3e3';
const INK = '#222';
const MUTED = '#555';
const UP = '#d62728';
const DOWN = '#2ca02c';

const ORACLE = 'oracle';
const COLOURS = new Map<string, string>([
  ['ours', '#d62728'],
  ['static-peak', '#7f7f7f'],
  ['hpa-cpu', '#ff7f0e'],
  ['keda-lag', '#2ca02c'],
  ['operator', '#9467bd'],
  ['operator-1.15', '#c5b0d5'],
  ['reference', '#17becf'],
  [ORACLE, '#000000'],
]);
const SPARE_COLOURS = ['#1f77b4', '#8c564b', '#e377c2', '#bcbd22'];

/** A fixed colour per known policy; unknown names take the spare colours in order of appearance. */
function policyColours(names: readonly string[]): Map<string, string> {
  const colours = new Map<string, string>();
  let spare = 0;
  for (const name of names) {
    if (colours.has(name)) continue;
    const known = COLOURS.get(name);
    colours.set(name, known ?? (SPARE_COLOURS[spare++ % SPARE_COLOURS.length] as string));
  }
  return colours;
}

function policyStyle(name: string, colours: Map<string, string>): Style {
  return name === ORACLE
    ? { colour: '#000000', width: 1.6, dash: '6 4' }
    : { colour: colours.get(name) ?? INK, width: name === 'ours' ? 2 : 1.4 };
}

// ---- text and numbers ----

/** Text for XML: drops control characters XML forbids and escapes & < > " '. */
function escapeXml(text: string): string {
  let out = '';
  for (const ch of text) {
    const code = ch.codePointAt(0) ?? 0;
    if (code < 0x20 && code !== 0x09 && code !== 0x0a && code !== 0x0d) continue;
    if (ch === '&') out += '&amp;';
    else if (ch === '<') out += '&lt;';
    else if (ch === '>') out += '&gt;';
    else if (ch === '"') out += '&quot;';
    else if (ch === "'") out += '&#39;';
    else out += ch;
  }
  return out;
}

/** A coordinate with at most one decimal. */
function num(value: number): string {
  return Number.isFinite(value) ? String(Math.round(value * 10) / 10) : '0';
}

function fixed(value: number, digits: number): string {
  return Number.isFinite(value) ? value.toFixed(digits) : '–';
}

function fmtCount(value: number): string {
  const trim = (v: number): string => String(Math.round(v * 100) / 100);
  const a = Math.abs(value);
  if (a >= 1e6) return `${trim(value / 1e6)}M`;
  if (a >= 1e4) return `${trim(value / 1e3)}k`;
  return trim(value);
}

function fmtDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '∞';
  if (seconds < 120) return `${Math.round(seconds)} s`;
  if (seconds < 7200) return `${(seconds / 60).toFixed(1)} min`;
  return `${(seconds / 3600).toFixed(1)} h`;
}

function textWidth(text: string, size = 12): number {
  return text.length * size * 0.52;
}

function text(x: number, y: number, content: string, attrs = ''): string {
  return `<text x="${num(x)}" y="${num(y)}"${attrs ? ` ${attrs}` : ''}>${escapeXml(content)}</text>`;
}

// ---- scales and ticks ----

function xAt(f: Frame, t: number): number {
  const clamped = Number.isFinite(t) ? Math.min(Math.max(t, 0), f.tEnd) : 0;
  return f.left + (clamped / f.tEnd) * f.width;
}

/** The seconds the timeline covers: the last point plus one step. */
function timelineEnd(timeline: readonly TimelinePoint[]): number {
  const last = timeline.at(-1);
  if (!last) return 60;
  const prev = timeline.at(-2);
  const step = prev && last.t > prev.t ? last.t - prev.t : 10;
  return Math.max(60, last.t + step);
}

function niceStep(raw: number): number {
  const power = 10 ** Math.floor(Math.log10(raw));
  const m = raw / power;
  return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 2.5 ? 2.5 : m <= 5 ? 5 : 10) * power;
}

/** 0 up to a round number above max (with a little headroom), about five ticks. */
function linearAxis(f: Frame, max: number, integer = false): Axis {
  const top = Number.isFinite(max) && max > 0 ? max * 1.05 : 1;
  let step = niceStep(top / 4);
  if (integer) step = step < 1 ? 1 : step === 2.5 ? 2 : step;
  const end = Math.ceil(top / step - 1e-9) * step;
  const ticks: number[] = [];
  for (let i = 0; i * step <= end + 1e-9; i++) ticks.push(Math.round(i * step * 1e9) / 1e9);
  return {
    ticks,
    label: fmtCount,
    y: (v) => f.top + f.height - (Math.min(Math.max(Number.isFinite(v) ? v : 0, 0), end) / end) * f.height,
  };
}

function isClipped(backlogTime: number, top: number): boolean {
  return !(backlogTime <= top);
}

/** Backlog time on log10(1 + s), topped at the next power of ten above the worst finite value. */
function backlogAxis(f: Frame, timelines: readonly (readonly TimelinePoint[])[]): Axis & { top: number } {
  let worst = 0;
  for (const timeline of timelines)
    for (const p of timeline) if (Number.isFinite(p.backlogTime)) worst = Math.max(worst, p.backlogTime);
  const top = Math.min(BACKLOG_CLIP_MAX, Math.max(1000, 10 ** Math.ceil(Math.log10(Math.max(1, worst)))));
  const ticks = [0];
  for (let v = 1; v <= top; v *= 10) ticks.push(v);
  const scale = (v: number): number => Math.log10(1 + v);
  return {
    top,
    ticks,
    label: (v) => `${v} s`,
    y: (v) => {
      const clamped = isClipped(v, top) ? top : Math.max(0, v);
      return f.top + f.height - (scale(clamped) / scale(top)) * f.height;
    },
  };
}

const TIME_STEPS = [60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 14400, 21600, 43200, 86400];

function timeTicks(f: Frame): { ticks: number[]; label: (t: number) => string } {
  const most = Math.max(2, Math.floor(f.width / 70));
  const step = TIME_STEPS.find((s) => f.tEnd / s <= most) ?? 86400 * Math.ceil(f.tEnd / 86400 / most);
  const ticks: number[] = [];
  for (let t = 0; t <= f.tEnd + 1e-9; t += step) ticks.push(t);
  const label = (t: number): string => {
    const hours = Math.floor(t / 3600);
    if (step % 3600 === 0) return `${hours} h`;
    return `${hours}:${String(Math.round((t % 3600) / 60)).padStart(2, '0')}`;
  };
  return { ticks, label };
}

// ---- paths ----

/** Min and max per pixel bucket, in the order they occur: spikes survive, at most 2 vertices a bucket. */
function downsample(points: readonly Point[], left: number, width: number): readonly Point[] {
  const buckets = Math.max(1, Math.min(MAX_BUCKETS, Math.floor(width)));
  if (points.length <= 2 * buckets) return points;
  const out: Point[] = [];
  let bucket = -1;
  let lo = 0;
  let hi = 0;
  const flush = (): void => {
    if (bucket < 0) return;
    const first = Math.min(lo, hi);
    const second = Math.max(lo, hi);
    out.push(points[first] as Point);
    if (second !== first) out.push(points[second] as Point);
  };
  points.forEach((p, i) => {
    const b = Math.min(buckets - 1, Math.max(0, Math.floor(((p[0] - left) / width) * buckets)));
    if (b !== bucket) {
      flush();
      bucket = b;
      lo = hi = i;
      return;
    }
    if (p[1] < (points[lo] as Point)[1]) lo = i;
    if (p[1] > (points[hi] as Point)[1]) hi = i;
  });
  flush();
  return out;
}

/** A step line's corners: each value holds until the next point, the last until xEnd. */
function stepPoints(points: readonly Point[], xEnd: number): Point[] {
  const out: Point[] = [];
  for (const p of points) {
    const prev = out.at(-1);
    if (prev && prev[1] === p[1]) continue;
    if (prev) out.push([p[0], prev[1]]);
    out.push(p);
  }
  const last = out.at(-1);
  if (last && last[0] < xEnd) out.push([xEnd, last[1]]);
  return out;
}

function path(points: readonly Point[], style: Style): string {
  if (points.length === 0) return '';
  const d = points.map((p, i) => `${i === 0 ? 'M' : 'L'}${num(p[0])} ${num(p[1])}`).join('');
  const dash = style.dash ? ` stroke-dasharray="${style.dash}"` : '';
  return (
    `<path d="${d}" fill="none" stroke="${style.colour}" stroke-width="${style.width ?? 1.4}"` +
    ` stroke-linejoin="round"${dash}/>`
  );
}

function series(
  f: Frame,
  timeline: readonly TimelinePoint[],
  value: (p: TimelinePoint) => number,
  axis: Axis,
  style: Style,
  step = false,
): string {
  let points: readonly Point[] = timeline.map((p) => [xAt(f, p.t), axis.y(value(p))]);
  if (step) points = stepPoints(points, f.left + f.width);
  return path(downsample(points, f.left, f.width), style);
}

// ---- panel pieces ----

function legendItem(x: number, y: number, item: LegendItem): string {
  const swatch = item.band
    ? `<rect x="${num(x)}" y="${num(y - 7)}" width="18" height="5" fill="${item.colour}" fill-opacity="0.6"/>`
    : `<line x1="${num(x)}" y1="${num(y - 4)}" x2="${num(x + 18)}" y2="${num(y - 4)}" stroke="${item.colour}"` +
      ` stroke-width="${Math.max(2, item.width ?? 2)}"${item.dash ? ` stroke-dasharray="${item.dash}"` : ''}/>`;
  return swatch + text(x + 22, y, item.label, `fill="${INK}"`);
}

function legendWidth(item: LegendItem): number {
  return 22 + textWidth(item.label) + 18;
}

/** Axes, grid, tick labels, the panel title and its legend on one line above the plot. */
function panelFrame(f: Frame, title: string, axis: Axis, legend: readonly LegendItem[]): string {
  const out: string[] = [];
  const bottom = f.top + f.height;
  const right = f.left + f.width;
  for (const v of axis.ticks) {
    const y = axis.y(v);
    out.push(`<line x1="${num(f.left)}" y1="${num(y)}" x2="${num(right)}" y2="${num(y)}" stroke="${GRID}"/>`);
    out.push(
      text(f.left - 6, y, axis.label(v), `dy="0.35em" text-anchor="end" font-size="11" fill="${MUTED}"`),
    );
  }
  const time = timeTicks(f);
  for (const t of time.ticks) {
    const x = xAt(f, t);
    out.push(`<line x1="${num(x)}" y1="${num(f.top)}" x2="${num(x)}" y2="${num(bottom)}" stroke="${GRID}"/>`);
    out.push(
      `<line x1="${num(x)}" y1="${num(bottom)}" x2="${num(x)}" y2="${num(bottom + 4)}" stroke="${MUTED}"/>`,
    );
    out.push(text(x, bottom + 15, time.label(t), `text-anchor="middle" font-size="11" fill="${MUTED}"`));
  }
  out.push(
    `<rect x="${num(f.left)}" y="${num(f.top)}" width="${num(f.width)}" height="${num(f.height)}"` +
      ` fill="none" stroke="#999"/>`,
  );
  out.push(text(f.left, f.top - 8, title, `font-weight="bold" fill="${INK}"`));
  let x = f.left + textWidth(title) + 24;
  for (const item of legend) {
    out.push(legendItem(x, f.top - 8, item));
    x += legendWidth(item);
  }
  return out.join('\n');
}

/** A dashed horizontal line across the plot, and its label above its right end (drawn over the data). */
function threshold(f: Frame, y: number, label: string, colour: string): { line: string; label: string } {
  const right = f.left + f.width - 4;
  return {
    line:
      `<line x1="${num(f.left)}" y1="${num(y)}" x2="${num(f.left + f.width)}" y2="${num(y)}" stroke="${colour}"` +
      ` stroke-width="1.2" stroke-dasharray="6 4"/>`,
    label:
      `<rect x="${num(right - 2 - textWidth(label, 11))}" y="${num(y - 15)}" width="${num(textWidth(label, 11) + 4)}"` +
      ` height="13" fill="#fff" fill-opacity="0.8"/>` +
      text(right, y - 4, label, `text-anchor="end" font-size="11" fill="${colour}"`),
  };
}

/** The backlog thresholds: the SLO, and the default policy's scale-up and scale-down backlog times. */
function backlogThresholds(): { value: number; label: string; colour: string }[] {
  const up = DEFAULT_CONFIG.scaleUp.backlogTimeSeconds;
  const down = DEFAULT_CONFIG.scaleDown.backlogTimeSeconds;
  const lines =
    up === SLO_BACKLOG_SECONDS
      ? [{ value: up, label: `${up} s: scale-up · SLO`, colour: UP }]
      : [
          { value: SLO_BACKLOG_SECONDS, label: `${SLO_BACKLOG_SECONDS} s: SLO`, colour: UP },
          { value: up, label: `${up} s: scale-up`, colour: UP },
        ];
  return [...lines, { value: down, label: `${down} s: scale-down`, colour: DOWN }];
}

/** Bands along the top of the plot where backlog time is above the axis top or infinite. */
function clipMarks(
  f: Frame,
  timeline: readonly TimelinePoint[],
  top: number,
  colour: string,
  row: number,
): string {
  const ranges: [number, number][] = [];
  timeline.forEach((p, i) => {
    if (!isClipped(p.backlogTime, top)) return;
    const x0 = xAt(f, p.t);
    const x1 = xAt(f, timeline[i + 1]?.t ?? f.tEnd);
    const last = ranges.at(-1);
    if (last && x0 - last[1] < 1) last[1] = Math.max(last[1], x1);
    else ranges.push([x0, x1]);
  });
  const y = f.top + 1 + row * 4;
  return ranges
    .map(
      ([x0, x1]) =>
        `<rect x="${num(x0)}" y="${num(y)}" width="${num(Math.max(1.5, x1 - x0))}" height="3.5"` +
        ` fill="${colour}" fill-opacity="0.6"/>`,
    )
    .join('\n');
}

function clipLabel(top: number): string {
  return `clipped: > ${top} s or ∞`;
}

function canvasWidth(options: SvgOptions): number {
  const width = options.width;
  return width !== undefined && Number.isFinite(width)
    ? Math.round(Math.min(4000, Math.max(480, width)))
    : 1000;
}

function svgDocument(width: number, height: number, body: readonly string[]): string {
  const h = Math.ceil(height);
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${h}" viewBox="0 0 ${width} ${h}"` +
      ` font-family="sans-serif" font-size="12">`,
    `<rect x="0" y="0" width="${width}" height="${h}" fill="#ffffff"/>`,
    ...body.filter((part) => part !== ''),
    '</svg>',
  ].join('\n');
}

// ---- the charts ----

/** The figures of a run on one line. */
function figuresLine(result: RunResult): string {
  const f = result.figures;
  return (
    `${result.policy} on ${result.trace}, seed ${result.seed}: ${fixed(f.workerHours, 1)} worker-hours · ` +
    `SLO attainment ${fixed(f.sloAttainment * 100, 1)} % · worst backlog time ` +
    `${fmtDuration(f.worstBacklogTimeSeconds)} · ${f.rescales} ${f.rescales === 1 ? 'rescale' : 'rescales'}`
  );
}

/**
 * One policy on one trace, four panels over the same hours: input rate and capacity, workers asked for,
 * backlog time (log scale, clipped, with the scale-up/SLO and scale-down lines) and CPU load.
 */
export function renderRunSvg(result: RunResult, options: SvgOptions = {}): string {
  const width = canvasWidth(options);
  const timeline = result.timeline;
  const tEnd = timelineEnd(timeline);
  const plotWidth = width - LEFT - RIGHT;
  const body: string[] = [];
  const title = options.title ?? `Policy "${result.policy}" on trace "${result.trace}"`;
  body.push(text(LEFT, 22, title, `font-size="13" font-weight="bold" fill="${INK}"`));
  body.push(text(LEFT, 40, figuresLine(result), `fill="${MUTED}"`));

  let cursor = 58;
  const frame = (height: number): Frame => {
    const f = { left: LEFT, top: cursor + 22, width: plotWidth, height, tEnd };
    cursor = f.top + height + 26;
    return f;
  };

  // (a) input rate and capacity
  const fa = frame(170);
  let peak = 0;
  for (const p of timeline) peak = Math.max(peak, finite(p.inputRate), finite(p.capacity));
  const rate = linearAxis(fa, peak);
  const inputStyle: Style = { colour: '#333333', width: 1.6 };
  const capacityStyle: Style = { colour: '#1f77b4', width: 1.4 };
  body.push(
    panelFrame(fa, 'Input rate and capacity (records/s)', rate, [
      { label: 'input rate', ...inputStyle },
      { label: 'processing capacity (0 while restarting)', ...capacityStyle },
    ]),
    series(fa, timeline, (p) => p.capacity, rate, capacityStyle),
    series(fa, timeline, (p) => p.inputRate, rate, inputStyle),
  );

  // (b) workers
  const fb = frame(120);
  let most = 0;
  for (const p of timeline) most = Math.max(most, finite(p.workers));
  const workers = linearAxis(fb, most, true);
  const { colour, width: strokeWidth } = policyStyle(result.policy, policyColours([result.policy]));
  const workerStyle: Style = { colour, width: Math.max(1.6, strokeWidth ?? 1.6) };
  body.push(
    panelFrame(fb, 'Workers asked for', workers, [{ label: result.policy, ...workerStyle }]),
    series(fb, timeline, (p) => p.workers, workers, workerStyle, true),
  );

  // (c) backlog time
  const fc = frame(170);
  const backlog = backlogAxis(fc, [timeline]);
  const backlogStyle: Style = { colour: '#e6550d', width: 1.4 };
  body.push(
    panelFrame(fc, 'Backlog time (s, log scale)', backlog, [
      { label: 'backlog time', ...backlogStyle },
      { label: clipLabel(backlog.top), colour: UP, band: true },
    ]),
  );
  const backlogLines = backlogThresholds().map((l) => threshold(fc, backlog.y(l.value), l.label, l.colour));
  body.push(
    ...backlogLines.map((l) => l.line),
    series(fc, timeline, (p) => p.backlogTime, backlog, backlogStyle),
    clipMarks(fc, timeline, backlog.top, UP, 0),
    ...backlogLines.map((l) => l.label),
  );

  // (d) CPU
  const fd = frame(110);
  const cpu: Axis = {
    ticks: [0, 0.25, 0.5, 0.75, 1],
    label: (v) => String(v),
    y: (v) => fd.top + fd.height - Math.min(Math.max(finite(v), 0), 1) * fd.height,
  };
  const cpuStyle: Style = { colour: '#6a3d9a', width: 1.4 };
  const { scaleUp, scaleDown } = DEFAULT_CONFIG;
  const cpuLines = [
    threshold(fd, cpu.y(scaleUp.cpu), `${scaleUp.cpu}: scale-up`, UP),
    threshold(fd, cpu.y(scaleDown.cpu), `${scaleDown.cpu}: scale-down`, DOWN),
  ];
  body.push(
    panelFrame(fd, 'CPU load (0–1)', cpu, [{ label: 'mean CPU', ...cpuStyle }]),
    ...cpuLines.map((l) => l.line),
    series(fd, timeline, (p) => p.cpu, cpu, cpuStyle),
    ...cpuLines.map((l) => l.label),
  );

  return finishChart(body, width, plotWidth, cursor);
}

/**
 * Every policy on one trace: the input rate (thin), the workers each policy asked for (the oracle dashed
 * black) and each policy's backlog time (log scale, clipped, with the SLO line); the legend gives each
 * policy's worker-hours and SLO attainment.
 */
export function renderComparisonSvg(
  traceName: string,
  results: readonly RunResult[],
  options: SvgOptions = {},
): string {
  const width = canvasWidth(options);
  const plotWidth = width - LEFT - RIGHT;
  const tEnd = Math.max(60, ...results.map((r) => timelineEnd(r.timeline)));
  const colours = policyColours(results.map((r) => r.policy));
  const styles = results.map((r) => policyStyle(r.policy, colours));
  const body: string[] = [];
  const title = options.title ?? `All policies on trace "${traceName}"`;
  body.push(text(LEFT, 22, title, `font-size="13" font-weight="bold" fill="${INK}"`));

  // Legend: one item per policy, in columns as wide as the widest item.
  const items: LegendItem[] = results.map((r, i) => ({
    label: `${r.policy}: ${fixed(r.figures.workerHours, 1)} worker-h, SLO ${fixed(r.figures.sloAttainment * 100, 1)} %`,
    ...(styles[i] as Style),
  }));
  const column = Math.max(0, ...items.map(legendWidth));
  const columns = Math.max(1, Math.floor(plotWidth / Math.max(1, column)));
  items.forEach((item, i) =>
    body.push(legendItem(LEFT + (i % columns) * column, 44 + Math.floor(i / columns) * 18, item)),
  );
  const y = 44 + Math.max(0, Math.ceil(items.length / columns) - 1) * 18;

  let cursor = y + 10;
  const frame = (height: number): Frame => {
    const f = { left: LEFT, top: cursor + 22, width: plotWidth, height, tEnd };
    cursor = f.top + height + 26;
    return f;
  };

  // Input rate: the same trace for every run, so the first timeline.
  const fr = frame(70);
  const timeline = results[0]?.timeline ?? [];
  let peak = 0;
  for (const p of timeline) peak = Math.max(peak, finite(p.inputRate));
  const rate = linearAxis(fr, peak);
  body.push(
    panelFrame(fr, 'Input rate (records/s)', rate, []),
    series(fr, timeline, (p) => p.inputRate, rate, { colour: '#333333', width: 1.4 }),
  );

  // Workers: the oracle last, dashed on top.
  const order = results.map((_, i) => i).sort((a, b) => rank(results, a) - rank(results, b));
  const fw = frame(220);
  let most = 0;
  for (const r of results) for (const p of r.timeline) most = Math.max(most, finite(p.workers));
  const workers = linearAxis(fw, most, true);
  body.push(panelFrame(fw, 'Workers asked for', workers, []));
  for (const i of order) {
    const r = results[i] as RunResult;
    body.push(series(fw, r.timeline, (p) => p.workers, workers, styles[i] as Style, true));
  }

  // Backlog time per policy.
  const fb = frame(170);
  const backlog = backlogAxis(
    fb,
    results.map((r) => r.timeline),
  );
  const slo = backlogThresholds()[0] as { value: number; label: string; colour: string };
  body.push(
    panelFrame(fb, 'Backlog time (s, log scale)', backlog, [
      { label: `${clipLabel(backlog.top)} (one row per policy)`, colour: MUTED, band: true },
    ]),
  );
  const sloLine = threshold(fb, backlog.y(slo.value), slo.label, slo.colour);
  body.push(sloLine.line);
  for (const i of order) {
    const r = results[i] as RunResult;
    body.push(series(fb, r.timeline, (p) => p.backlogTime, backlog, { ...(styles[i] as Style), width: 1.2 }));
  }
  results.forEach((r, i) =>
    body.push(clipMarks(fb, r.timeline, backlog.top, (styles[i] as Style).colour, i)),
  );
  body.push(sloLine.label);

  return finishChart(body, width, plotWidth, cursor);
}

/** Draw order: the oracle after everything else, the rest as given. */
function rank(results: readonly RunResult[], i: number): number {
  return (results[i]?.policy === ORACLE ? results.length : 0) + i;
}

function finite(value: number): number {
  return Number.isFinite(value) ? value : 0;
}

/** The shared time-axis caption under the last panel, and the document around the body. */
function finishChart(body: string[], width: number, plotWidth: number, cursor: number): string {
  body.push(
    text(
      LEFT + plotWidth / 2,
      cursor + 4,
      'time since start (hours)',
      `text-anchor="middle" fill="${MUTED}"`,
    ),
  );
  return svgDocument(width, cursor + 16, body);
}
