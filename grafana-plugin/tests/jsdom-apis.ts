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

for (const target of [globalThis, window] as Record<string, unknown>[]) {
  target['matchMedia'] = mediaQueryList;
  target['ResizeObserver'] ??= NoResizeObserver;
}

export {};
