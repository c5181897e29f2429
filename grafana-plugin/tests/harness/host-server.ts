/**
 * The host page's server on 127.0.0.1: the page (boot data for `?login=…&role=…`, SystemJS with the AMD and
 * named-register extras, the host bundle), plugins under /public/plugins/<id>/ as Grafana serves them,
 * @grafana/ui's icons where it fetches them, and request handlers standing in for Grafana's server-side
 * proxies and its signing keys.
 */
import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import { extname, join, normalize } from 'node:path';
import { DEFAULT_HOST, ensureHost, type HostName } from './hosts.js';
import { ICONS_DIR, SYSTEMJS_DIST } from './paths.js';

export type Handler = (req: IncomingMessage, res: ServerResponse) => Promise<boolean>;

export interface HostServer {
  url: string;
  close(): Promise<void>;
}

const TYPES: Record<string, string> = {
  '.js': 'text/javascript',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.map': 'application/json',
  '.md': 'text/markdown',
  '.css': 'text/css',
};

/** The page; its boot data names the host's Grafana version, as Grafana's own page does. */
const page = (grafanaVersion: string) => `<!doctype html>
<html><head><meta charset="utf-8"><title>plugin host</title>
<script>
  const query = new URLSearchParams(location.search);
  const role = query.get('role') || 'Editor';
  const login = query.get('login') || 'alice';
  window.grafanaBootData = {
    settings: { featureToggles: { idForwarding: true }, buildInfo: { version: '${grafanaVersion}' } },
    user: { isSignedIn: true, id: 1, login, email: login + '@example.com', name: login, orgRole: role, orgId: 1, isGrafanaAdmin: false, timezone: 'browser', theme: 'dark' },
    navTree: [],
  };
</script>
<link rel="stylesheet" href="/public/build/uplot.css">
<script src="/systemjs/system.js"></script>
<script src="/systemjs/extras/amd.js"></script>
<script src="/systemjs/extras/named-register.js"></script>
<script src="/host.js"></script>
</head><body style="margin:0"><div id="panel"></div></body></html>`;

function serveFile(res: ServerResponse, path: string): boolean {
  if (!existsSync(path) || !statSync(path).isFile()) return false;
  res.writeHead(200, { 'Content-Type': TYPES[extname(path)] ?? 'application/octet-stream' });
  createReadStream(path).pipe(res);
  return true;
}

/** Files under `dir` for paths under `prefix`, never outside `dir`. */
function underDir(prefix: string, dir: string, pathname: string): string | undefined {
  if (!pathname.startsWith(prefix)) return undefined;
  const rel = normalize(decodeURIComponent(pathname.slice(prefix.length)));
  if (rel.startsWith('..')) return undefined;
  return join(dir, rel);
}

/** Forwards paths under `prefix` to `target` (a data source proxy, as Grafana's /api/datasources/proxy/uid/…). */
export function prefixProxy(prefix: string, target: () => string): Handler {
  return async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://host');
    if (!url.pathname.startsWith(prefix)) return false;
    const answer = await fetch(`${target()}${url.pathname.slice(prefix.length)}${url.search}`);
    res.writeHead(answer.status, {
      'Content-Type': answer.headers.get('content-type') ?? 'application/json',
    });
    res.end(Buffer.from(await answer.arrayBuffer()));
    return true;
  };
}

export async function startHostServer(options: {
  hostJs: string;
  plugins: Record<string, string>;
  handlers?: Handler[];
  /** Whose host bundle hostJs is (buildHostBundle's `host`): its @grafana/ui icons and version are served. */
  host?: HostName;
}): Promise<HostServer> {
  const host = await ensureHost(options.host ?? DEFAULT_HOST);
  const icons =
    host.name === DEFAULT_HOST ? ICONS_DIR : join(host.dir, 'node_modules/@grafana/ui/dist/public/img/icons');
  const html = page(host.grafana);
  // uPlot's stylesheet, which Grafana's own bundle carries for @grafana/ui's charts (the host's uplot).
  const uplotCss = createRequire(
    host.name === DEFAULT_HOST ? import.meta.url : join(host.dir, 'package.json'),
  ).resolve('uplot/dist/uPlot.min.css');
  const server = createServer((req, res) => {
    void (async () => {
      try {
        const { pathname } = new URL(req.url ?? '/', 'http://host');
        if (pathname === '/') {
          res.writeHead(200, { 'Content-Type': 'text/html' });
          res.end(html);
          return;
        }
        if (pathname === '/host.js' && serveFile(res, options.hostJs)) return;
        if (pathname === '/public/build/uplot.css' && serveFile(res, uplotCss)) return;
        const file =
          underDir('/systemjs/', SYSTEMJS_DIST, pathname) ??
          underDir('/public/build/img/icons/', icons, pathname) ??
          Object.entries(options.plugins)
            .map(([id, dir]) => underDir(`/public/plugins/${id}/`, dir, pathname))
            .find((p) => p !== undefined);
        if (file !== undefined && serveFile(res, file)) return;
        for (const handler of options.handlers ?? []) if (await handler(req, res)) return;
        res.writeHead(404, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify({ message: `not found: ${pathname}` }));
      } catch (error) {
        res.writeHead(500, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify({ message: String(error) }));
      }
    })();
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise((done) => {
        server.closeAllConnections();
        server.close(() => done());
      }),
  };
}
