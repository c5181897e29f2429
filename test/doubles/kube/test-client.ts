/** What the double's own tests use to talk to it over the wire: JSON requests with a bearer token, and watches. */
import { startKubeDouble, type KubeDouble } from './server.js';

export interface Answer {
  status: number;
  headers: Headers;
  body: Record<string, unknown>;
  text: string;
}

/** One request to `baseUrl + path`, JSON body unless a string is given, the answer parsed when it is JSON. */
export async function request(
  baseUrl: string,
  path: string,
  options: {
    method?: string;
    token?: string | null;
    body?: unknown;
    contentType?: string;
    accept?: string;
  } = {},
): Promise<Answer> {
  const headers: Record<string, string> = {};
  const token = options.token === undefined ? 'admin-token' : options.token;
  if (token !== null) headers['Authorization'] = `Bearer ${token}`;
  if (options.accept) headers['Accept'] = options.accept;
  let body: string | undefined;
  if (options.body !== undefined) {
    headers['Content-Type'] = options.contentType ?? 'application/json';
    body = typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
  }
  const response = await fetch(baseUrl + path, { method: options.method ?? 'GET', headers, body });
  const text = await response.text();
  let parsed: Record<string, unknown> = {};
  try {
    parsed = JSON.parse(text) as Record<string, unknown>;
  } catch {
    // not JSON (429 from flow control is plain text)
  }
  return { status: response.status, headers: response.headers, body: parsed, text };
}

export interface OpenWatch<E> {
  response: Response;
  /** Every JSON line so far. */
  events: E[];
  /** Whether the server ended the stream (or it was closed). */
  ended: () => boolean;
  close: () => void;
}

/** Opens a watch and collects its JSON lines into `events` until the stream ends or `close`. */
export async function openWatch<E = { type: string; object: Record<string, unknown> }>(
  url: string,
  token = 'admin-token',
): Promise<OpenWatch<E>> {
  const controller = new AbortController();
  const response = await fetch(url, {
    headers: { Authorization: `Bearer ${token}` },
    signal: controller.signal,
  });
  const events: E[] = [];
  let ended = false;
  const reader = response.body?.getReader();
  void (async () => {
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for (;;) {
        const chunk = await reader?.read();
        if (!chunk || chunk.done) break;
        buffer += decoder.decode(chunk.value, { stream: true });
        for (let at = buffer.indexOf('\n'); at >= 0; at = buffer.indexOf('\n')) {
          events.push(JSON.parse(buffer.slice(0, at)) as E);
          buffer = buffer.slice(at + 1);
        }
      }
    } catch {
      // aborted
    }
    ended = true;
  })();
  return { response, events, ended: () => ended, close: () => controller.abort() };
}

/** A Kubernetes double in `namespace` whose token `admin-token` is a cluster admin (`system:masters`). */
export function startAdminDouble(namespace: string): Promise<KubeDouble> {
  return startKubeDouble({
    namespace,
    users: [{ token: 'admin-token', username: 'admin', groups: ['system:masters'] }],
  });
}
