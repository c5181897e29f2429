/**
 * The host page's script: what Grafana gives a plugin, without Grafana. It exposes React, @grafana/data,
 * ui, runtime, @emotion/css and rxjs to SystemJS as Grafana does (`package:<name>` plus an import map),
 * sets a BackendSrv over window.fetch (same origin, like Grafana's), fills the options-editor registry,
 * and offers `window.fasHost` to load a plugin's module.js with System.import and render its panel with
 * frames read from Prometheus' query_range (as Grafana's Prometheus data source shapes them). It records what
 * the panel publishes on its eventBus (`fasHost.events`) and each onChangeTimeRange (`timeRangeChanges`).
 */
import * as emotionCss from '@emotion/css';
import * as grafanaData from '@grafana/data';
import * as grafanaRuntime from '@grafana/runtime';
import * as grafanaUi from '@grafana/ui';
import * as React from 'react';
import * as ReactDOM from 'react-dom';
import * as ReactDOMClient from 'react-dom/client';
import * as jsxRuntime from 'react/jsx-runtime';
import * as rxjs from 'rxjs';
import * as rxjsOperators from 'rxjs/operators';

interface SystemJS {
  set(id: string, module: object): void;
  addImportMap(map: { imports: Record<string, string> }): void;
  import(id: string): Promise<{ plugin: grafanaData.PanelPlugin }>;
}
declare const System: SystemJS;
/** Which host this bundle is (host-bundle.ts defines it): its name and installed versions. */
declare const __FAS_HOST__: { name: string; grafana: string; react: string };

const shared: Record<string, object> = {
  react: React,
  'react-dom': ReactDOM,
  'react-dom/client': ReactDOMClient,
  'react/jsx-runtime': jsxRuntime,
  '@grafana/data': grafanaData,
  '@grafana/ui': grafanaUi,
  '@grafana/runtime': grafanaRuntime,
  '@emotion/css': emotionCss,
  rxjs,
  'rxjs/operators': rxjsOperators,
};
const imports: Record<string, string> = {};
for (const [name, module] of Object.entries(shared)) {
  System.set(`package:${name}`, { ...module, default: (module as { default?: unknown }).default ?? module });
  imports[name] = `package:${name}`;
}
System.addImportMap({ imports });

grafanaData.standardEditorsRegistry.setInit(() =>
  ['number', 'slider', 'text', 'strings', 'boolean', 'radio', 'select', 'multi-select', 'color', 'unit'].map(
    (id) => ({
      id,
      name: id,
      editor: () => null,
    }),
  ),
);

/** Grafana's BackendSrv, reduced to fetch over the same origin; errors shaped as FetchError. */
grafanaRuntime.setBackendSrv({
  fetch<T>(options: grafanaRuntime.BackendSrvRequest) {
    return new rxjs.Observable<grafanaRuntime.FetchResponse<T>>((subscriber) => {
      const url = options.url.startsWith('/') ? options.url : `/${options.url}`;
      const headers: Record<string, string> = { ...(options.headers ?? {}), 'X-Grafana-Org-Id': '1' };
      let body: string | undefined;
      if (options.data !== undefined) {
        body = JSON.stringify(options.data);
        headers['Content-Type'] ??= 'application/json';
      }
      window
        .fetch(url, { method: options.method ?? 'GET', headers, body, credentials: 'same-origin' })
        .then(async (response) => {
          const text = await response.text();
          let data: unknown = text;
          try {
            data = JSON.parse(text);
          } catch {
            // not JSON: keep the text
          }
          const shaped = {
            data: data as T,
            status: response.status,
            statusText: response.statusText,
            ok: response.ok,
            headers: response.headers,
            redirected: false,
            type: response.type,
            url,
            config: options,
          };
          if (response.ok) {
            subscriber.next(shaped);
            subscriber.complete();
          } else subscriber.error(shaped);
        })
        .catch((error: unknown) =>
          subscriber.error({ status: 0, data: { message: String(error) }, config: options }),
        );
    });
  },
} as unknown as grafanaRuntime.BackendSrv);

interface PromSeries {
  metric: Record<string, string>;
  values: [number, string][];
}

/** One frame per series, refId from the query, labels (with __name__) on the value field; "+Inf" is Infinity. */
function framesOf(refId: string, result: PromSeries[]): grafanaData.DataFrame[] {
  return result.map((s) =>
    grafanaData.createDataFrame({
      refId,
      fields: [
        { name: 'Time', type: grafanaData.FieldType.time, values: s.values.map(([t]) => t * 1000) },
        {
          name: 'Value',
          type: grafanaData.FieldType.number,
          labels: s.metric,
          values: s.values.map(([, v]) => (v === '+Inf' ? Infinity : v === '-Inf' ? -Infinity : Number(v))),
        },
      ],
    }),
  );
}

export interface HostQuery {
  refId: string;
  expr: string;
}

export interface RenderRequest {
  moduleUrl: string;
  /** Prometheus behind the host's data source proxy, e.g. /api/datasources/proxy/uid/prometheus. */
  prometheusPath: string;
  queries: HostQuery[];
  variables: Record<string, string>;
  from: number;
  to: number;
  step: number;
  options: Record<string, unknown>;
  width: number;
  height: number;
  theme: 'light' | 'dark';
}

let root: ReactDOMClient.Root | undefined;

/** What the panel published on its eventBus (type and a JSON copy of the payload), oldest first. */
const events: { type: string; payload?: unknown }[] = [];
/** Each onChangeTimeRange call (drag-to-zoom), as ms. */
const timeRangeChanges: { from: number; to: number }[] = [];
let bus: grafanaData.EventBusSrv | undefined;

function copy(value: unknown): unknown {
  try {
    return JSON.parse(
      JSON.stringify(value, (key, v: unknown) =>
        // DataHoverEvent's payload carries the frame: its size, not its rows.
        key === 'data' && v !== null && typeof v === 'object' ? '[frame]' : v,
      ),
    ) as unknown;
  } catch {
    return String(value);
  }
}

/** One bus per mounted panel, kept across re-renders as Grafana keeps it; every publish recorded. */
function panelBus(): grafanaData.EventBusSrv {
  if (bus) return bus;
  const created = new grafanaData.EventBusSrv();
  const publish = created.publish.bind(created);
  created.publish = (event) => {
    events.push({ type: event.type, payload: copy(event.payload) });
    publish(event);
  };
  bus = created;
  return created;
}

async function queryRange(r: RenderRequest, q: HostQuery): Promise<grafanaData.DataFrame[]> {
  let expr = q.expr;
  for (const [name, value] of Object.entries(r.variables)) expr = expr.replaceAll(`$${name}`, value);
  const params = new URLSearchParams({
    query: expr,
    start: String(r.from / 1000),
    end: String(r.to / 1000),
    step: String(r.step),
  });
  const response = await window.fetch(`${r.prometheusPath}/api/v1/query_range?${params}`);
  const body = (await response.json()) as { status: string; error?: string; data?: { result: PromSeries[] } };
  if (body.status !== 'success') throw new Error(`${q.refId}: ${body.error ?? response.status}`);
  return framesOf(q.refId, body.data?.result ?? []);
}

/**
 * Renders the panel of `moduleUrl` with `frames`, or with the answers of `queries` when none are given.
 * renderMs: React's commit and the layout it causes; frameMs: until the next animation frame.
 */
async function render(
  r: RenderRequest,
  frames?: grafanaData.DataFrame[],
): Promise<{ queryMs: number; renderMs: number; frameMs: number }> {
  const { plugin } = await System.import(r.moduleUrl);
  const t0 = performance.now();
  const series = frames ?? (await Promise.all(r.queries.map((q) => queryRange(r, q)))).flat();
  const t1 = performance.now();
  const timeRange = {
    from: grafanaData.dateTime(r.from),
    to: grafanaData.dateTime(r.to),
    raw: { from: 'now-1h', to: 'now' },
  };
  const theme = grafanaData.createTheme({ colors: { mode: r.theme } });
  // What Grafana's global styles give every panel: the page colours and font.
  document.body.style.background = theme.colors.background.canvas;
  document.body.style.color = theme.colors.text.primary;
  document.body.style.fontFamily = theme.typography.fontFamily;
  document.body.style.fontSize = `${theme.typography.fontSize}px`;
  const Panel = plugin.panel as React.ComponentType<grafanaData.PanelProps>;
  const props = {
    id: 1,
    title: 'Flink autoscaler',
    data: { state: grafanaData.LoadingState.Done, series, timeRange },
    timeRange,
    timeZone: 'browser',
    options: { ...(plugin.defaults as object), ...r.options },
    fieldConfig: { defaults: {}, overrides: [] },
    transparent: false,
    width: r.width,
    height: r.height,
    renderCounter: 0,
    eventBus: panelBus(),
    replaceVariables: (text: string) => text.replace(/\$(\w+)/g, (m, name: string) => r.variables[name] ?? m),
    onOptionsChange: () => undefined,
    onFieldConfigChange: () => undefined,
    onChangeTimeRange: (range: { from: number; to: number }) =>
      timeRangeChanges.push({ from: range.from, to: range.to }),
  } as unknown as grafanaData.PanelProps;
  const container = document.getElementById('panel');
  if (!container) throw new Error('no #panel element');
  container.style.width = `${r.width}px`;
  container.style.height = `${r.height}px`;
  root ??= ReactDOMClient.createRoot(container);
  const t2 = performance.now();
  ReactDOM.flushSync(() =>
    root?.render(
      <grafanaUi.ThemeContext.Provider value={theme}>
        <Panel {...props} />
      </grafanaUi.ThemeContext.Provider>,
    ),
  );
  // Layout of what was committed (forced now), then the next frame.
  container.getBoundingClientRect();
  const renderMs = performance.now() - t2;
  await new Promise((done) => requestAnimationFrame(() => done(undefined)));
  return { queryMs: t1 - t0, renderMs, frameMs: performance.now() - t2 };
}

function unmount(): void {
  root?.unmount();
  root = undefined;
  bus = undefined;
  events.length = 0;
  timeRangeChanges.length = 0;
}

/** Frames built in the page from plain arrays (the benchmark's synthetic week). */
function framesFrom(
  list: { refId: string; labels: Record<string, string>; times: number[]; values: number[] }[],
) {
  return list.map((f) =>
    grafanaData.createDataFrame({
      refId: f.refId,
      fields: [
        { name: 'Time', type: grafanaData.FieldType.time, values: f.times },
        { name: 'Value', type: grafanaData.FieldType.number, labels: f.labels, values: f.values },
      ],
    }),
  );
}

/** The host as built, and the React that really runs (React.version of the shared instance). */
const host = { ...__FAS_HOST__, reactRuntime: React.version };

declare global {
  interface Window {
    fasHost: {
      render: typeof render;
      unmount: typeof unmount;
      framesFrom: typeof framesFrom;
      host: typeof host;
      events: typeof events;
      timeRangeChanges: typeof timeRangeChanges;
      ready: true;
    };
  }
}
window.fasHost = { render, unmount, framesFrom, host, events, timeRangeChanges, ready: true };
