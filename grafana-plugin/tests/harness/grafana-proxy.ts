/**
 * What Grafana's server does with `/api/plugin-proxy/<app>/<path>` (pkg/api/pluginproxy/pluginproxy.go,
 * pkg/util/proxyutil), played from the app's own built plugin.json:
 *
 * - nobody signed in: 401, as Grafana's reqSignedIn answers;
 * - the route: the first whose method matches and whose path matches as Grafana's route tree does (`x`
 *   exactly, `x/*` anything below, the rest forwarded); none: 404 "plugin route match not found";
 * - its `reqRole` against the signed-in user's org role: 403 "plugin proxy route access denied";
 * - the request: the browser's headers, less its credentials (Authorization, cookies); X-Grafana-Context
 *   set; X-Grafana-User removed and set again to the login when `[dataproxy] send_user_header` is on;
 *   X-Grafana-Id removed and set again to the user's signed ID token when `idForwarding` is on; then the
 *   route's headers (the gateway token from secureJsonData); Origin, Referer and X-Forwarded-Host/Port/
 *   Proto dropped, X-Grafana-Referer and X-Forwarded-For set; the path below the route joined to the
 *   route's URL, the query kept;
 * - the answer: status and body as they came, Set-Cookie dropped, `Content-Security-Policy: sandbox`; no
 *   answer: 502 with an empty body.
 */
import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import type { IdTokenSigner } from './id-token.js';

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
  uid?: string;
  email?: string;
  name?: string;
}

export interface ProxiedCall {
  method: string;
  url: string;
  headers: Record<string, string>;
}

export interface GrafanaProxyOptions {
  /** The built app plugin (its plugin.json). */
  appDist: string;
  settings: AppSettings;
  /** Who the session belongs to, per request; undefined: nobody signed in. */
  user: () => SignedInUser | undefined;
  /** `[dataproxy] send_user_header`. */
  sendUserHeader: boolean;
  /** The `idForwarding` feature toggle: the user's ID token, signed by this key. */
  idTokens?: IdTokenSigner;
  /** Each request as it left for the route's URL. */
  seen?: ProxiedCall[];
}

const RANK = { Viewer: 1, Editor: 2, Admin: 3 } as const;

/** Hop-by-hop and framing headers, which a proxy never copies. */
const HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'host',
  'content-length',
  'accept-encoding',
]);

function template(text: string, settings: AppSettings): string {
  return text
    .replace(/\{\{\s*\.JsonData\.(\w+)\s*\}\}/g, (_, k: string) => settings.jsonData[k] ?? '')
    .replace(/\{\{\s*\.SecureJsonData\.(\w+)\s*\}\}/g, (_, k: string) => settings.secureJsonData[k] ?? '');
}

/** The path below a matching route (Grafana's route tree: exact, or `prefix/*`), or undefined. */
export function matchRoute(routePath: string, proxyPath: string): string | undefined {
  const route = routePath.replace(/^\/+/, '');
  const path = proxyPath.replace(/^\/+/, '');
  if (route.endsWith('/*')) {
    const prefix = route.slice(0, -2);
    if (path === prefix) return '';
    return path.startsWith(`${prefix}/`) ? path.slice(prefix.length + 1) : undefined;
  }
  return path.replace(/\/+$/, '') === route.replace(/\/+$/, '') ? '' : undefined;
}

/** util.JoinURLFragments: one slash between, none added when the rest is empty. */
function joinPath(base: string, rest: string): string {
  if (rest === '') return base;
  return `${base.replace(/\/+$/, '')}/${rest.replace(/^\/+/, '')}`;
}

async function body(req: IncomingMessage): Promise<Uint8Array<ArrayBuffer>> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return new Uint8Array(Buffer.concat(chunks));
}

function incoming(req: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined || HOP.has(name)) continue;
    headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return headers;
}

function setHeader(headers: Record<string, string>, name: string, value: string | undefined): void {
  for (const key of Object.keys(headers)) if (key.toLowerCase() === name.toLowerCase()) delete headers[key];
  if (value !== undefined) headers[name] = value;
}

/** A request handler for one app plugin's routes; returns false for paths that are not its own. */
export function appPluginProxy(options: GrafanaProxyOptions) {
  const meta = JSON.parse(readFileSync(join(options.appDist, 'plugin.json'), 'utf8')) as {
    id: string;
    routes?: Route[];
  };
  const prefix = `/api/plugin-proxy/${meta.id}/`;
  return async (req: IncomingMessage, res: ServerResponse): Promise<boolean> => {
    const url = new URL(req.url ?? '/', 'http://host');
    if (!url.pathname.startsWith(prefix)) return false;
    const send = (status: number, json: unknown) => {
      res.writeHead(status, { 'Content-Type': 'application/json; charset=UTF-8' });
      res.end(JSON.stringify(json));
    };
    const user = options.user();
    if (user === undefined) return (send(401, { message: 'Unauthorized' }), true);
    const proxyPath = url.pathname.slice(prefix.length);
    let route: Route | undefined;
    let rest = '';
    for (const candidate of meta.routes ?? []) {
      if (candidate.method && candidate.method !== '*' && candidate.method !== req.method) continue;
      const below = matchRoute(candidate.path, proxyPath);
      if (below === undefined) continue;
      if (candidate.reqRole && RANK[user.role] < RANK[candidate.reqRole]) {
        return (send(403, { message: 'plugin proxy route access denied' }), true);
      }
      route = candidate;
      rest = below;
      break;
    }
    if (!route) return (send(404, { message: 'plugin route match not found' }), true);

    const target = new URL(template(route.url, options.settings));
    target.pathname = joinPath(target.pathname, rest);
    target.search = url.search;
    const headers = incoming(req);
    // The credentials Grafana authenticated the browser with never leave it.
    setHeader(headers, 'Authorization', undefined);
    setHeader(headers, 'Cookie', undefined);
    setHeader(headers, 'Set-Cookie', undefined);
    const uid = user.uid ?? `u-${user.login}`;
    setHeader(
      headers,
      'X-Grafana-Context',
      JSON.stringify({ UserID: 1, UserUID: uid, OrgID: 1, OrgRole: user.role, Login: user.login }),
    );
    setHeader(headers, 'X-Grafana-User', options.sendUserHeader ? user.login : undefined);
    setHeader(
      headers,
      'X-Grafana-Id',
      options.idTokens?.sign({
        login: user.login,
        uid,
        email: user.email ?? `${user.login}@example.com`,
        name: user.name ?? user.login,
        role: user.role,
        orgId: 1,
      }),
    );
    for (const h of route.headers ?? []) setHeader(headers, h.name, template(h.content, options.settings));
    const referer = headers['referer'];
    setHeader(headers, 'X-Grafana-Referer', referer ?? '');
    for (const name of ['Origin', 'Referer', 'X-Forwarded-Host', 'X-Forwarded-Port', 'X-Forwarded-Proto']) {
      setHeader(headers, name, undefined);
    }
    const forwardedFor = headers['x-forwarded-for'];
    const remote = req.socket.remoteAddress ?? '';
    setHeader(headers, 'X-Forwarded-For', forwardedFor ? `${forwardedFor}, ${remote}` : remote);
    options.seen?.push({ method: req.method ?? 'GET', url: target.toString(), headers: { ...headers } });

    const payload = req.method === 'GET' || req.method === 'HEAD' ? undefined : await body(req);
    let answer: Response;
    try {
      answer = await fetch(target, {
        method: req.method ?? 'GET',
        headers,
        body: payload,
        redirect: 'manual',
      });
    } catch {
      res.writeHead(502).end();
      return true;
    }
    const out: Record<string, string> = { 'Content-Security-Policy': 'sandbox' };
    answer.headers.forEach((value, name) => {
      if (!HOP.has(name) && name !== 'set-cookie' && name !== 'content-encoding') out[name] = value;
    });
    res.writeHead(answer.status, out);
    res.end(Buffer.from(await answer.arrayBuffer()));
    return true;
  };
}
