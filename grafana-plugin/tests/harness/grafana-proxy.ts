/**
 * What Grafana's server does with `/api/plugin-proxy/<app>/<route>/…`, reduced to the part the panel
 * relies on, read from the app's own plugin.json: the route matching the path prefix and method, its
 * `reqRole` against the signed-in user's role (403 "plugin proxy route access denied" as Grafana answers),
 * its URL and headers templated from jsonData / secureJsonData, cookies dropped, X-Grafana-User added
 * (`[dataproxy] send_user_header`), the rest of the path joined to the route's URL.
 */
import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';

interface Route {
  path: string;
  method?: string;
  reqRole?: 'Viewer' | 'Editor' | 'Admin';
  url: string;
  headers?: { name: string; content: string }[];
}

export interface AppSettings {
  jsonData: Record<string, string>;
  secureJsonData: Record<string, string>;
}

export interface SignedInUser {
  login: string;
  role: 'Viewer' | 'Editor' | 'Admin';
}

const RANK = { Viewer: 1, Editor: 2, Admin: 3 } as const;

function template(text: string, settings: AppSettings): string {
  return text
    .replace(/\{\{\s*\.JsonData\.(\w+)\s*\}\}/g, (_, k: string) => settings.jsonData[k] ?? '')
    .replace(/\{\{\s*\.SecureJsonData\.(\w+)\s*\}\}/g, (_, k: string) => settings.secureJsonData[k] ?? '');
}

async function body(req: IncomingMessage): Promise<Uint8Array<ArrayBuffer>> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return new Uint8Array(Buffer.concat(chunks));
}

export interface ProxiedCall {
  method: string;
  url: string;
  headers: Record<string, string>;
}

/** A request handler for one app plugin's routes; returns false for paths that are not its own. */
export function appPluginProxy(
  appDist: string,
  settings: AppSettings,
  user: () => SignedInUser,
  seen: ProxiedCall[] = [],
) {
  const meta = JSON.parse(readFileSync(join(appDist, 'plugin.json'), 'utf8')) as {
    id: string;
    routes?: Route[];
  };
  const prefix = `/api/plugin-proxy/${meta.id}/`;
  return async (req: IncomingMessage, res: ServerResponse): Promise<boolean> => {
    const url = new URL(req.url ?? '/', 'http://host');
    if (!url.pathname.startsWith(prefix)) return false;
    const proxyPath = url.pathname.slice(prefix.length);
    const send = (status: number, json: unknown) => {
      res.writeHead(status, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(json));
    };
    const route = (meta.routes ?? []).find(
      (r) => proxyPath.startsWith(r.path) && (!r.method || r.method === '*' || r.method === req.method),
    );
    if (!route) return (send(404, { message: 'plugin route match not found' }), true);
    if (route.reqRole && RANK[user().role] < RANK[route.reqRole]) {
      return (send(403, { message: 'plugin proxy route access denied' }), true);
    }
    const target = new URL(template(route.url, settings));
    const rest = proxyPath.slice(route.path.length).replace(/^\/*/, '/');
    target.pathname = `${target.pathname.replace(/\/$/, '')}${rest}`;
    target.search = url.search;
    const headers: Record<string, string> = { 'X-Grafana-User': user().login };
    const type = req.headers['content-type'];
    if (type) headers['Content-Type'] = type;
    for (const h of route.headers ?? []) headers[h.name] = template(h.content, settings);
    seen.push({ method: req.method ?? 'GET', url: target.toString(), headers });
    const payload = req.method === 'GET' || req.method === 'HEAD' ? undefined : await body(req);
    try {
      const answer = await fetch(target, { method: req.method, headers, body: payload });
      res.writeHead(answer.status, {
        'Content-Type': answer.headers.get('content-type') ?? 'application/json',
      });
      res.end(Buffer.from(await answer.arrayBuffer()));
    } catch (error) {
      send(502, { message: `Bad Gateway: ${String(error)}` });
    }
    return true;
  };
}
