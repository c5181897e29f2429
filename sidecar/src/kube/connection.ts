/**
 * A connection to the Kubernetes API server over node:https: where it is, how to trust it, how to prove
 * who we are (a bearer token re-read from its file, or a client certificate), and two calls on top: a JSON
 * request and a watch stream of JSON lines. Lean on purpose: it runs in every JobManager pod.
 */
import { readFileSync } from 'node:fs';
import type { Agent, IncomingMessage } from 'node:http';
import { http, https } from '../http/node-http.js';
import { KubeError, kubeErrorOf } from './api-error.js';

export interface KubeConnectionSettings {
  /** `https://host:port` (or `http://` for a loopback test server). */
  server: string;
  /** PEM certificates to trust; the system's CAs when absent. */
  ca?: string | Buffer;
  /** Skip server certificate verification (kubeconfig `insecure-skip-tls-verify`). */
  insecure?: boolean;
  /** The name to verify the server certificate against (kubeconfig `tls-server-name`). */
  serverName?: string;
  /** A bearer token. */
  token?: string;
  /** A file holding the bearer token, re-read every minute (bound service account tokens rotate). */
  tokenFile?: string;
  /** A client certificate and key (PEM). */
  cert?: string | Buffer;
  key?: string | Buffer;
  /** The namespace the kubeconfig context or the pod names (informational). */
  namespace?: string;
  /** Per-request timeout, ms (not for watches). */
  timeoutMs?: number;
}

export type Query = Record<string, string | number | boolean | undefined>;

export interface KubeRequest {
  method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  path: string;
  query?: Query;
  body?: unknown;
  /** Content-Type of the body: application/json unless a patch type is given. */
  contentType?: string;
  /** What the caller was doing, for error messages. */
  what: string;
}

export interface WatchEvent {
  type: string;
  object: unknown;
}

const TOKEN_REREAD_MS = 60_000;
const DEFAULT_TIMEOUT_MS = 15_000;

function queryString(query: Query | undefined): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query ?? {})) {
    if (value !== undefined) params.set(key, String(value));
  }
  const text = params.toString();
  return text === '' ? '' : `?${text}`;
}

async function readBody(response: IncomingMessage, limit: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of response as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw new Error(`answer larger than ${limit} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

export class KubeConnection {
  readonly server: URL;
  readonly namespace: string | undefined;
  private readonly settings: KubeConnectionSettings;
  private readonly agent: Agent;
  private token: { value: string | undefined; readAt: number } = { value: undefined, readAt: -Infinity };

  constructor(settings: KubeConnectionSettings) {
    this.settings = settings;
    this.server = new URL(settings.server);
    if (this.server.protocol !== 'https:' && this.server.protocol !== 'http:') {
      throw new Error(
        `the Kubernetes API server must be an http(s) URL, got ${JSON.stringify(settings.server)}`,
      );
    }
    this.namespace = settings.namespace;
    this.agent =
      this.server.protocol === 'https:'
        ? new https.Agent({
            keepAlive: true,
            ...(settings.ca !== undefined ? { ca: settings.ca } : {}),
            ...(settings.cert !== undefined ? { cert: settings.cert } : {}),
            ...(settings.key !== undefined ? { key: settings.key } : {}),
            ...(settings.serverName !== undefined ? { servername: settings.serverName } : {}),
            rejectUnauthorized: settings.insecure !== true,
          })
        : new http.Agent({ keepAlive: true });
  }

  /** The bearer token now: the given one, or the token file's content (cached for a minute). */
  private bearer(): string | undefined {
    if (this.settings.token !== undefined) return this.settings.token;
    const file = this.settings.tokenFile;
    if (file === undefined) return undefined;
    const now = Date.now();
    if (now - this.token.readAt >= TOKEN_REREAD_MS) {
      try {
        this.token = { value: readFileSync(file, 'utf8').trim(), readAt: now };
      } catch (error) {
        // Keep the last token we read; with none, the request goes without and the server says 401.
        if (this.token.value === undefined) {
          throw new KubeError(
            'unauthorized',
            `cannot read the token file ${file}: ${(error as Error).message}`,
          );
        }
      }
    }
    return this.token.value;
  }

  private open(request: KubeRequest, accept: string, signal?: AbortSignal, timeoutMs?: number) {
    const url = new URL(
      this.server.pathname.replace(/\/$/, '') + request.path + queryString(request.query),
      this.server,
    );
    const body = request.body === undefined ? undefined : Buffer.from(JSON.stringify(request.body));
    const headers: Record<string, string> = { Accept: accept, 'User-Agent': 'flink-autoscaler' };
    const token = this.bearer();
    if (token) headers.Authorization = `Bearer ${token}`;
    if (body !== undefined) {
      headers['Content-Type'] = request.contentType ?? 'application/json';
      headers['Content-Length'] = String(body.length);
    }
    const send = url.protocol === 'https:' ? https.request : http.request;
    return new Promise<IncomingMessage>((resolve, reject) => {
      const req = send(url, {
        method: request.method,
        headers,
        agent: this.agent,
        ...(signal ? { signal } : {}),
        ...(timeoutMs !== undefined ? { timeout: timeoutMs } : {}),
      });
      req.once('response', resolve);
      req.once('error', reject);
      req.once('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
      req.end(body);
    });
  }

  /** One request with a JSON answer; a non-2xx answer or a transport failure throws a KubeError. */
  async json<T>(request: KubeRequest): Promise<T> {
    const timeoutMs = this.settings.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    let status: number;
    let text: string;
    try {
      const response = await this.open(request, 'application/json', undefined, timeoutMs);
      status = response.statusCode ?? 0;
      text = await readBody(response, 8 * 1024 * 1024);
    } catch (error) {
      if (error instanceof KubeError) throw error;
      throw new KubeError('unavailable', `${request.what}: ${(error as Error).message}`);
    }
    if (status < 200 || status > 299) throw kubeErrorOf(status, text, request.what);
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new KubeError('unavailable', `${request.what}: the answer is not JSON (HTTP ${status})`, status);
    }
  }

  /**
   * A watch: calls `onEvent` for every JSON line of the answer until the server ends it (resolves), it
   * fails or sends an ERROR event (rejects with a KubeError), or `signal` aborts it (resolves).
   */
  async watch(
    request: KubeRequest,
    onEvent: (event: WatchEvent) => void,
    signal: AbortSignal,
  ): Promise<void> {
    let response: IncomingMessage;
    try {
      response = await this.open(request, 'application/json', signal);
    } catch (error) {
      if (signal.aborted) return;
      if (error instanceof KubeError) throw error;
      throw new KubeError('unavailable', `${request.what}: ${(error as Error).message}`);
    }
    const status = response.statusCode ?? 0;
    if (status !== 200)
      throw kubeErrorOf(status, await readBody(response, 1024 * 1024).catch(() => ''), request.what);
    let rest = '';
    try {
      for await (const chunk of response as AsyncIterable<Buffer>) {
        rest += chunk.toString('utf8');
        let newline: number;
        while ((newline = rest.indexOf('\n')) >= 0) {
          const line = rest.slice(0, newline).trim();
          rest = rest.slice(newline + 1);
          if (line === '') continue;
          let event: WatchEvent;
          try {
            event = JSON.parse(line) as WatchEvent;
          } catch {
            throw new KubeError('unavailable', `${request.what}: a watch line is not JSON`);
          }
          if (event.type === 'ERROR') {
            const object = event.object as { code?: number; message?: string } | undefined;
            throw kubeErrorOf(object?.code ?? 500, JSON.stringify(object ?? {}), request.what);
          }
          onEvent(event);
        }
      }
    } catch (error) {
      if (signal.aborted) return;
      if (error instanceof KubeError) throw error;
      throw new KubeError('unavailable', `${request.what}: ${(error as Error).message}`);
    }
  }

  /** Closes idle keep-alive sockets. */
  close(): void {
    this.agent.destroy();
  }
}
