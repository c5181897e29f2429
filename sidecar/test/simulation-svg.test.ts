import { describe, expect, it } from 'vitest';
import type { Figures } from '../src/simulation/figures.js';
import type { RunResult, TimelinePoint } from '../src/simulation/run.js';
import { renderComparisonSvg, renderRunSvg } from '../src/simulation/svg.js';

const FIGURES: Figures = {
  workerHours: 12.345,
  sloAttainment: 0.9876,
  worstBacklogTimeSeconds: 300,
  rescales: 4,
  maxRescalesPerChange: 2,
  recordsReadAgain: 0,
  recoverySeconds: 90,
};

function point(t: number, over: Partial<TimelinePoint> = {}): TimelinePoint {
  return { t, inputRate: 1000, capacity: 1200, workers: 2, backlog: 0, backlogTime: 0, cpu: 0.8, ...over };
}

function run(policy: string, timeline: TimelinePoint[], figures: Partial<Figures> = {}): RunResult {
  return { policy, trace: 'step', seed: 1, figures: { ...FIGURES, ...figures }, timeline };
}

/** Ten minutes: a burst of input, a scale-up, a restart with infinite backlog time, then calm. */
function shortTimeline(): TimelinePoint[] {
  return Array.from({ length: 60 }, (_, i) => {
    const t = i * 10;
    if (t < 120) return point(t);
    if (t < 200) return point(t, { inputRate: 3000, backlog: 1e5, backlogTime: 33 + t, cpu: 1 });
    if (t < 260)
      return point(t, { inputRate: 0, capacity: 0, workers: 5, backlog: 2e5, backlogTime: Infinity });
    return point(t, { inputRate: 3000, capacity: 3500, workers: 5, backlog: 0, backlogTime: 0, cpu: 0.75 });
  });
}

/** 24 h at 10 s: 8,640 points, the input noisy with one single-point spike, the workers changing often. */
function longTimeline(phase = 0): TimelinePoint[] {
  return Array.from({ length: 8640 }, (_, i) =>
    point(i * 10, {
      inputRate: i === 4321 ? 50_000 : 1000 + ((i * 7919 + phase) % 97),
      capacity: 1100 + ((i * 31 + phase) % 53),
      workers: 2 + ((i * 13 + phase) % 5),
      backlogTime: i % 500 === 0 ? Infinity : (i * 17 + phase) % 400,
      cpu: ((i * 11 + phase) % 100) / 100,
    }),
  );
}

/**
 * A small well-formedness check: every tag is a proper start, end or empty tag with quoted attributes,
 * tags balance, there is one root, and text and attribute values hold no raw '<' and only known entities.
 */
function checkXml(svg: string): void {
  expect(svg.startsWith('<svg')).toBe(true);
  expect(svg.endsWith('</svg>')).toBe(true);
  const entity = /&(?!(?:amp|lt|gt|quot|#\d+);)/;
  const attr = String.raw`\s+[A-Za-z_:][\w.:-]*="[^"<]*"`;
  const tagPattern = new RegExp(String.raw`^<(/?)([A-Za-z][\w.:-]*)((?:${attr})*)\s*(/?)>$`);
  const stack: string[] = [];
  let roots = 0;
  let last = 0;
  for (const match of svg.matchAll(/<[^>]*>/g)) {
    const between = svg.slice(last, match.index);
    expect(between).not.toMatch(/[<>]/);
    expect(between).not.toMatch(entity);
    if (stack.length === 0) expect(between.trim()).toBe('');
    last = match.index + match[0].length;
    const tag = tagPattern.exec(match[0]);
    expect(tag, match[0]).not.toBeNull();
    const [, closing, name, attrs, empty] = tag as RegExpExecArray;
    expect(attrs ?? '').not.toMatch(entity);
    if (stack.length === 0) roots++;
    if (closing) {
      expect(empty).toBe('');
      expect(stack.pop()).toBe(name);
    } else if (!empty) {
      stack.push(name as string);
    }
  }
  expect(svg.slice(last)).toBe('');
  expect(stack).toEqual([]);
  expect(roots).toBe(1);
}

/** The vertices of every path, with its stroke. */
function paths(svg: string): { stroke: string; dashed: boolean; points: [number, number][] }[] {
  return [...svg.matchAll(/<path d="([^"]*)"([^>]*)>/g)].map((m) => {
    const numbers = (m[1] as string).match(/-?\d+(?:\.\d+)?/g)?.map(Number) ?? [];
    const points: [number, number][] = [];
    for (let i = 0; i + 1 < numbers.length; i += 2)
      points.push([numbers[i] as number, numbers[i + 1] as number]);
    return {
      stroke: /stroke="([^"]*)"/.exec(m[2] as string)?.[1] ?? '',
      dashed: (m[2] as string).includes('stroke-dasharray'),
      points,
    };
  });
}

function texts(svg: string): string[] {
  return [...svg.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) => m[1] as string);
}

function checkCommon(svg: string): void {
  checkXml(svg);
  expect(svg).toMatch(
    /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg" width="\d+" height="\d+" viewBox="0 0 \d+ \d+"/,
  );
  expect(svg).not.toMatch(/Infinity|NaN|undefined/);
  expect(svg).toContain('font-family="sans-serif"');
  for (const m of svg.matchAll(/font-size="([\d.]+)"/g)) {
    expect(Number(m[1])).toBeGreaterThanOrEqual(11);
    expect(Number(m[1])).toBeLessThanOrEqual(13);
  }
  // Coordinates carry at most one decimal, in paths and in attributes.
  for (const m of svg.matchAll(/ d="([^"]*)"/g)) expect(m[1]).not.toMatch(/\d\.\d\d/);
  for (const m of svg.matchAll(/ (?:x|y|x1|x2|y1|y2|width|height)="([^"]*)"/g)) {
    expect(m[1]).toMatch(/^-?\d+(?:\.\d)?$/);
  }
}

describe('renderRunSvg', () => {
  it('draws a well-formed standalone SVG with the figures under the title', () => {
    const svg = renderRunSvg(run('ours', shortTimeline()), { width: 900 });
    checkCommon(svg);
    expect(svg).toContain('width="900"');
    const words = texts(svg);
    expect(words[0]).toBe('Policy &quot;ours&quot; on trace &quot;step&quot;');
    expect(words[1]).toContain('12.3 worker-hours');
    expect(words[1]).toContain('SLO attainment 98.8 %');
    expect(words[1]).toContain('worst backlog time 5.0 min');
    expect(words[1]).toContain('4 rescales');
  });

  it('marks the backlog thresholds at 120 s and 10 s and the CPU thresholds at 0.9 and 0.7', () => {
    const svg = renderRunSvg(run('ours', shortTimeline()));
    const words = texts(svg);
    expect(words).toContain('120 s: scale-up · SLO');
    expect(words).toContain('10 s: scale-down');
    expect(words).toContain('0.9: scale-up');
    expect(words).toContain('0.7: scale-down');
    expect(svg.match(/<line [^>]*stroke-dasharray/g)).toHaveLength(4);
    for (const label of ['input rate', 'processing capacity', 'backlog time', 'mean CPU', 'ours']) {
      expect(words.some((w) => w.startsWith(label))).toBe(true);
    }
  });

  it('escapes the title', () => {
    const svg = renderRunSvg(run('a<b', shortTimeline()), { title: 'Tom & Jerry <run> "x"' });
    checkCommon(svg);
    expect(svg).toContain('>Tom &amp; Jerry &lt;run&gt; &quot;x&quot;</text>');
    expect(svg).not.toContain('Tom & Jerry');
    expect(svg).toContain('a&lt;b');
  });

  it('clips infinite backlog time to the panel top and marks it, with no Infinity or NaN', () => {
    const svg = renderRunSvg(run('ours', shortTimeline(), { worstBacklogTimeSeconds: Infinity }));
    checkCommon(svg);
    expect(texts(svg)[1]).toContain('worst backlog time ∞');
    expect(texts(svg).some((w) => w.startsWith('clipped'))).toBe(true);
    const band = /<rect x="[\d.]+" y="([\d.]+)" width="[\d.]+" height="3.5" fill="#d62728"/.exec(svg);
    expect(band).not.toBeNull();
    // The backlog line reaches the plot top (the band sits 1 px below it) and no higher.
    const backlog = paths(svg).find((p) => p.stroke === '#e6550d');
    const top = Math.min(...(backlog?.points ?? []).map(([, y]) => y));
    expect(top).toBeCloseTo(Number(band?.[1]) - 1, 1);
  });

  it('keeps each path under 2,000 points for 24 h, and a one-point spike survives', () => {
    const svg = renderRunSvg(run('ours', longTimeline()));
    checkCommon(svg);
    const all = paths(svg);
    expect(all.length).toBeGreaterThanOrEqual(5);
    for (const p of all) {
      expect(p.points.length).toBeGreaterThan(1);
      expect(p.points.length).toBeLessThanOrEqual(2000);
    }
    const input = all.find((p) => p.stroke === '#333333');
    const ys = (input?.points ?? []).map(([, y]) => y).sort((a, b) => a - b);
    const median = ys[Math.floor(ys.length / 2)] as number;
    expect(median - (ys[0] as number)).toBeGreaterThan(100);
  });

  it('is deterministic', () => {
    const a = renderRunSvg(run('ours', longTimeline()));
    const b = renderRunSvg(structuredClone(run('ours', longTimeline())));
    expect(a).toBe(b);
  });

  it('copes with an empty timeline and non-finite figures', () => {
    const svg = renderRunSvg(run('ours', [], { workerHours: Number.NaN, sloAttainment: Number.NaN }));
    checkCommon(svg);
  });
});

describe('renderComparisonSvg', () => {
  const policies = ['ours', 'static-peak', 'hpa-cpu', 'keda-lag', 'operator', 'oracle', 'mystery', 'other'];
  const results = policies.map((policy, i) =>
    run(policy, longTimeline(i * 3), { workerHours: 10 + i + 0.25, sloAttainment: 1 - i / 100 }),
  );

  it('draws every policy with its worker-hours in the legend, the oracle dashed black', () => {
    const svg = renderComparisonSvg('daily & <night>', results);
    checkCommon(svg);
    expect(texts(svg)[0]).toBe('All policies on trace &quot;daily &amp; &lt;night&gt;&quot;');
    const words = texts(svg);
    policies.forEach((policy, i) => {
      expect(words.some((w) => w.startsWith(`${policy}: ${(10 + i + 0.25).toFixed(1)} worker-h`))).toBe(true);
    });
    expect(words).toContain('120 s: scale-up · SLO');

    const all = paths(svg);
    for (const p of all) expect(p.points.length).toBeLessThanOrEqual(2000);
    // Input rate once, then workers and backlog time per policy.
    expect(all).toHaveLength(1 + 2 * policies.length);
    const dashed = all.filter((p) => p.dashed);
    expect(dashed).toHaveLength(2);
    for (const p of dashed) expect(p.stroke).toBe('#000000');
    // One colour per policy, all different.
    const strokes = new Set(all.filter((p) => p.stroke !== '#333333').map((p) => p.stroke));
    expect(strokes.size).toBe(policies.length);
  });

  it('gives known policies fixed colours whatever the order', () => {
    const colourOf = (svg: string, policy: string): string | undefined =>
      new RegExp(`stroke="(#[0-9a-f]{6})"[^>]*/><text[^>]*>${policy}:`).exec(svg)?.[1];
    const forward = renderComparisonSvg('t', results);
    const backward = renderComparisonSvg('t', [...results].reverse());
    for (const policy of ['ours', 'static-peak', 'hpa-cpu', 'keda-lag', 'operator', 'oracle']) {
      expect(colourOf(forward, policy)).toBeDefined();
      expect(colourOf(forward, policy)).toBe(colourOf(backward, policy));
    }
  });

  it('is deterministic and copes with no results', () => {
    expect(renderComparisonSvg('t', results)).toBe(renderComparisonSvg('t', structuredClone(results)));
    checkCommon(renderComparisonSvg('t', []));
  });
});
