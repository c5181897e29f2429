/**
 * The host page's server on 127.0.0.1: the page (boot data for `?login=…&role=…`, SystemJS with the AMD and
 * named-register extras, the host bundle), plugins under /public/plugins/<id>/ as Grafana serves them,
 * @grafana/ui's icons where it fetches them, and request handlers standing in for Grafana's server-side
 * proxies and its signing keys.
 */
import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { extname, join, normalize } from 'node:path';
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
};

const PAGE = `<!doctype html>
<html><head><meta charset="utf-8"><title>plugin host</title>
<script>
  const query = new URLSearchParams(location.search);
  const role = query.get('role') || 'Editor';
  const login = query.get('login') || 'alice';
  window.grafanaBootData = {
    settings: { featureToggles: { idForwarding: true }, buildInfo: { version: '13.1.0' } },
    user: { isSignedIn: true, id: 1, login, email: login + '@example.com', name: login, orgRole: role, orgId: 1, isGrafanaAdmin: false, timezone: 'browser', theme: 'dark' },
    navTree: [],
  };
</script>
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
}): Promise<HostServer> {
  const server = createServer((req, res) => {
    void (async () => {
      try {
        const { pathname } = new URL(req.url ?? '/', 'http://host');
        if (pathname === '/') {
          res.writeHead(200, { 'Content-Type': 'text/html' });
          res.end(PAGE);
          return;
        }
        if (pathname === '/host.js' && serveFile(res, options.hostJs)) return;
        const file =
          underDir('/systemjs/', SYSTEMJS_DIST, pathname) ??
          underDir('/public/build/img/icons/', ICONS_DIR, pathname) ??
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
