/** Browser APIs @grafana/ui (and uPlot, at import) expect that jsdom lacks. Imported before them. */
const mediaQueryList = (query: string) => ({
  matches: false,
  media: query,
  onchange: null,
  addListener: () => undefined,
  removeListener: () => undefined,
  addEventListener: () => undefined,
  removeEventListener: () => undefined,
  dispatchEvent: () => false,
});

class NoResizeObserver {
  observe(): void {}
  unobserve(): void {}
  disconnect(): void {}
}

/**
 * jsdom has no canvas (getContext returns null). uPlot draws on one and @grafana/ui measures text with
 * one: a 2D context that draws nothing and measures every character as 6 px wide. What the charts draw is
 * checked in Chromium (test/e2e/grafana-panel-charts.test.ts); here only their DOM parts.
 */
function blankContext(canvas: HTMLCanvasElement): CanvasRenderingContext2D {
  const fields: Record<string | symbol, unknown> = { canvas };
  return new Proxy(fields, {
    get(target, key) {
      if (key in target) return target[key];
      if (key === 'measureText') return (text: unknown) => ({ width: 6 * String(text).length });
      if (key === 'getLineDash') return () => [];
      if (key === 'createLinearGradient' || key === 'createPattern') return () => ({ addColorStop() {} });
      return () => undefined;
    },
    set(target, key, value) {
      target[key] = value;
      return true;
    },
  }) as unknown as CanvasRenderingContext2D;
}

HTMLCanvasElement.prototype.getContext = function getContext(this: HTMLCanvasElement) {
  return blankContext(this);
} as unknown as typeof HTMLCanvasElement.prototype.getContext;

/** uPlot builds its lines as Path2D objects, which jsdom lacks: one that records nothing. */
class BlankPath2D {
  addPath(): void {}
  moveTo(): void {}
  lineTo(): void {}
  rect(): void {}
  arc(): void {}
  bezierCurveTo(): void {}
  quadraticCurveTo(): void {}
  closePath(): void {}
}

for (const target of [globalThis, window] as Record<string, unknown>[]) {
  target['Path2D'] ??= BlankPath2D;
  target['matchMedia'] = mediaQueryList;
  target['ResizeObserver'] ??= NoResizeObserver;
}

export {};
