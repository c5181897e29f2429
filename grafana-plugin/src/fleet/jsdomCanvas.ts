/**
 * For component tests only: jsdom has no canvas, and Grafana's Sparkline draws with uPlot on one. A 2D
 * context that records what it is told and draws nothing, so the view renders as in a browser (the pixels are
 * checked in Chromium by the benchmark and the browser test).
 */
export const drawCalls: string[] = [];

function context(canvas: HTMLCanvasElement): CanvasRenderingContext2D {
  const state = new Map<PropertyKey, unknown>([['canvas', canvas]]);
  return new Proxy({} as CanvasRenderingContext2D, {
    get(_, prop) {
      if (state.has(prop)) return state.get(prop);
      if (prop === 'measureText') return (text: string) => ({ width: text.length * 7 });
      if (prop === 'createLinearGradient' || prop === 'createPattern')
        return () => ({ addColorStop: () => undefined });
      return (..._args: unknown[]) => {
        drawCalls.push(String(prop));
      };
    },
    set(_, prop, value) {
      state.set(prop, value);
      return true;
    },
  });
}

HTMLCanvasElement.prototype.getContext = function (this: HTMLCanvasElement) {
  return context(this);
} as unknown as HTMLCanvasElement['getContext'];

/** uPlot builds its paths as Path2D, which jsdom lacks: one that takes every segment and keeps none. */
class NoPath2D {
  constructor() {
    return new Proxy(this, {
      get: (target, prop) => (prop in target ? target[prop as never] : () => undefined),
    });
  }
}
(globalThis as Record<string, unknown>)['Path2D'] ??= NoPath2D;
