/**
 * A connection to the Kubernetes API server over node:https: where it is, how to trust it, how to prove
 * who we are (a bearer token re-read from its file, or a client certificate), and two calls on top: a JSON
 * request, retried where that is safe, and a watch stream of JSON lines. Lean on purpose: it runs in every
 * JobManager pod.
 */
import { readFileSync } from 'node:fs';
import type { Agent, IncomingMessage } from 'node:http';
import { StringDecoder } from 'node:string_decoder';
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
  /** Per-attempt timeout of a JSON request, ms (not for watches). */
  timeoutMs?: number;
  /** How `json()` retries what is safe to retry (see RetryPolicy). */
  retry?: Partial<RetryPolicy>;
  /** [0, 1): the jitter of backoffs (tests pass their own). */
  random?: () => number;
  /** Waits between attempts (tests pass their own). */
  sleep?: (ms: number) => Promise<void>;
  /** Milliseconds, for the total deadline (tests pass their own). */
  clock?: () => number;
}

/**
 * `json()` retries any request on 429 (after Retry-After, at most MAX_RETRY_AFTER_MS), GETs on a server
 * error, a reset, a timeout or no connection, and writes only when nothing was sent (no connection) or on
 * 429; between attempts it waits random() × min(maxBackoffMs, 200 ms × 2^(attempt-1)) (full jitter).
 */
export interface RetryPolicy {
  /** Attempts in all, the first included (default 5). */
  attempts: number;
  /** The cap of one backoff, ms (default 10 s). */
  maxBackoffMs: number;
  /** No wait is started that would end later than this after the first attempt began, ms (default 30 s). */
  deadlineMs: number;
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
const DEFAULT_RETRY: RetryPolicy = { attempts: 5, maxBackoffMs: 10_000, deadlineMs: 30_000 };
const FIRST_BACKOFF_MS = 200;
/** A Retry-After longer than this is waited for only this long (and then the request tried again). */
export const MAX_RETRY_AFTER_MS = 30_000;
const MAX_ANSWER_BYTES = 8 * 1024 * 1024;

function queryString(query: Query | undefined): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query ?? {})) {
    if (value !== undefined) params.set(key, String(value));
  }
  const text = params.toString();
  return text === '' ? '' : `?${text}`;
}

class AnswerTooLarge extends Error {}

async function readBody(response: IncomingMessage, limit: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of response as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw new AnswerTooLarge(`answer larger than ${limit} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** An open request: its answer, and whether a connection was made (so that bytes may have been sent). */
interface Exchange {
  response: Promise<IncomingMessage>;
  /** True once the request had a connected socket (TCP, and TLS for https) to be written to. */
  connected: () => boolean;
}

/** A transport failure as a KubeError: nothing sent (unreachable), or sent and no full answer (timeout). */
function transportError(
  request: KubeRequest,
  error: unknown,
  connected: boolean,
  timedOutMs?: number,
): KubeError {
  if (error instanceof KubeError) return error;
  const write = request.method !== 'GET';
  if (!connected) {
    const why = timedOutMs !== undefined ? `no connection within ${timedOutMs} ms` : (error as Error).message;
    return new KubeError('unreachable', `${request.what}: ${why}`);
  }
  const why = timedOutMs !== undefined ? `no answer within ${timedOutMs} ms` : (error as Error).message;
  return new KubeError('timeout', `${request.what}: ${why}`, undefined, { mayHaveHappened: write });
}

const defaultSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export class KubeConnection {
  readonly server: URL;
  readonly namespace: string | undefined;
  private readonly settings: KubeConnectionSettings;
  private readonly agent: Agent;
  private readonly retry: RetryPolicy;
  private readonly random: () => number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly clock: () => number;
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
    this.retry = { ...DEFAULT_RETRY, ...settings.retry };
    this.random = settings.random ?? Math.random;
    this.sleep = settings.sleep ?? defaultSleep;
    this.clock = settings.clock ?? Date.now;
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

  /** After a 401: reads the token file again; true when it holds another token than the one just refused. */
  private tokenRotated(): boolean {
    const file = this.settings.tokenFile;
    if (this.settings.token !== undefined || file === undefined) return false;
    try {
      const value = readFileSync(file, 'utf8').trim();
      const changed = value !== this.token.value;
      this.token = { value, readAt: Date.now() };
      return changed;
    } catch {
      return false;
    }
  }

  private open(request: KubeRequest, accept: string, signal: AbortSignal): Exchange {
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
    const tls = url.protocol === 'https:';
    const send = tls ? https.request : http.request;
    const req = send(url, { method: request.method, headers, agent: this.agent, signal });
    let connected = false;
    req.once('socket', (socket) => {
      // A kept-alive socket is connected already; a new one once TCP (and TLS) is up.
      if (req.reusedSocket || (!socket.connecting && !tls)) connected = true;
      else socket.once(tls ? 'secureConnect' : 'connect', () => (connected = true));
    });
    const response = new Promise<IncomingMessage>((resolve, reject) => {
      req.once('response', resolve);
      // `on`, not `once`: an aborted request may report a second error, which must not go unhandled.
      req.on('error', reject);
    });
    req.end(body);
    return { response, connected: () => connected };
  }

  /** One attempt of a JSON request; every failure is a classified KubeError. */
  private async attempt<T>(request: KubeRequest): Promise<T> {
    const timeoutMs = this.settings.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, timeoutMs);
    const write = request.method !== 'GET';
    let exchange: Exchange | undefined;
    let status: number;
    let text: string;
    let retryAfter: string | undefined;
    try {
      exchange = this.open(request, 'application/json', controller.signal);
      const response = await exchange.response;
      status = response.statusCode ?? 0;
      const header = response.headers['retry-after'];
      retryAfter = Array.isArray(header) ? header[0] : header;
      text = await readBody(response, MAX_ANSWER_BYTES);
    } catch (error) {
      if (error instanceof AnswerTooLarge) {
        throw new KubeError('server-error', `${request.what}: ${error.message}`, undefined, {
          mayHaveHappened: write,
        });
      }
      throw transportError(request, error, exchange?.connected() ?? false, timedOut ? timeoutMs : undefined);
    } finally {
      clearTimeout(timer);
    }
    if (status < 200 || status > 299) {
      if (status === 401) this.token.readAt = -Infinity;
      throw kubeErrorOf(status, text, request.what, { write, retryAfter });
    }
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new KubeError(
        'server-error',
        `${request.what}: the answer is not JSON (HTTP ${status})`,
        status,
        {
          mayHaveHappened: write,
        },
      );
    }
  }

  /** How long to wait before trying `request` again after `error`, or undefined when it must not be. */
  private retryDelay(request: KubeRequest, error: KubeError, attempt: number): number | undefined {
    const backoff = () =>
      this.random() * Math.min(this.retry.maxBackoffMs, FIRST_BACKOFF_MS * 2 ** (attempt - 1));
    if (error.failure === 'throttled') {
      return error.retryAfterSeconds !== undefined
        ? Math.min(error.retryAfterSeconds * 1000, MAX_RETRY_AFTER_MS)
        : backoff();
    }
    if (error.failure === 'unreachable') return backoff();
    const idempotent = request.method === 'GET';
    if (idempotent && (error.failure === 'server-error' || error.failure === 'timeout')) return backoff();
    return undefined;
  }

  /**
   * One request with a JSON answer; a non-2xx answer or a transport failure throws a KubeError. Retries
   * what is safe to retry (RetryPolicy); on a 401 re-reads the token file once and tries again if the
   * token changed.
   */
  async json<T>(request: KubeRequest): Promise<T> {
    const started = this.clock();
    let tokenReread = false;
    for (let attempt = 1; ; attempt += 1) {
      let failure: KubeError;
      try {
        return await this.attempt<T>(request);
      } catch (error) {
        if (!(error instanceof KubeError)) throw error;
        failure = error;
      }
      if (failure.failure === 'unauthorized' && !tokenReread) {
        tokenReread = true;
        if (this.tokenRotated()) {
          attempt -= 1;
          continue;
        }
      }
      const delay = this.retryDelay(request, failure, attempt);
      if (
        delay === undefined ||
        attempt >= this.retry.attempts ||
        this.clock() - started + delay > this.retry.deadlineMs
      ) {
        throw failure;
      }
      await this.sleep(delay);
    }
  }

  /**
   * A watch: calls `onEvent` for every JSON line of the answer until the server ends it (resolves), it
   * fails or sends an ERROR event (rejects with a KubeError: `expired` for a 410), or `signal` aborts it
   * (resolves). With `idleTimeoutMs`, a watch that receives nothing for that long (a connection dropped
   * without a FIN, a server that hangs) is abandoned with a `timeout`. Lines are decoded as UTF-8 across
   * chunk boundaries. `onOpen` is called when the server has accepted the watch.
   */
  async watch(
    request: KubeRequest,
    onEvent: (event: WatchEvent) => void,
    signal: AbortSignal,
    options: { idleTimeoutMs?: number; onOpen?: () => void } = {},
  ): Promise<void> {
    if (signal.aborted) return;
    const controller = new AbortController();
    const abort = () => controller.abort();
    signal.addEventListener('abort', abort, { once: true });
    let idle = false;
    let timer: NodeJS.Timeout | undefined;
    const alive = () => {
      if (options.idleTimeoutMs === undefined) return;
      clearTimeout(timer);
      timer = setTimeout(() => {
        idle = true;
        controller.abort();
      }, options.idleTimeoutMs);
    };
    let exchange: Exchange | undefined;
    const failed = (error: unknown): KubeError | undefined => {
      if (signal.aborted) return undefined;
      if (error instanceof KubeError) return error;
      if (idle) {
        return new KubeError(
          exchange?.connected() ? 'timeout' : 'unreachable',
          `${request.what}: nothing received for ${options.idleTimeoutMs} ms`,
        );
      }
      return transportError({ ...request, method: 'GET' }, error, exchange?.connected() ?? false);
    };
    try {
      alive();
      let response: IncomingMessage;
      try {
        exchange = this.open(request, 'application/json', controller.signal);
        response = await exchange.response;
      } catch (error) {
        const failure = failed(error);
        if (failure) throw failure;
        return;
      }
      const status = response.statusCode ?? 0;
      if (status !== 200) {
        if (status === 401) this.token.readAt = -Infinity;
        const header = response.headers['retry-after'];
        throw kubeErrorOf(status, await readBody(response, 1024 * 1024).catch(() => ''), request.what, {
          retryAfter: Array.isArray(header) ? header[0] : header,
        });
      }
      options.onOpen?.();
      const decoder = new StringDecoder('utf8');
      let rest = '';
      try {
        for await (const chunk of response as AsyncIterable<Buffer>) {
          alive();
          rest += decoder.write(chunk);
          let newline: number;
          while ((newline = rest.indexOf('\n')) >= 0) {
            const line = rest.slice(0, newline).trim();
            rest = rest.slice(newline + 1);
            if (line === '') continue;
            let event: WatchEvent;
            try {
              event = JSON.parse(line) as WatchEvent;
            } catch {
              throw new KubeError('server-error', `${request.what}: a watch line is not JSON`);
            }
            if (event.type === 'ERROR') {
              const object = event.object as { code?: number; message?: string } | undefined;
              throw kubeErrorOf(object?.code ?? 500, JSON.stringify(object ?? {}), request.what);
            }
            onEvent(event);
          }
        }
      } catch (error) {
        const failure = failed(error);
        if (!failure) return;
        // The server cut a watch that was open (a restart, a proxy, a reset): say so, unless we gave up on it.
        if (idle || !(error instanceof Error) || error instanceof KubeError) throw failure;
        throw new KubeError(failure.failure, failure.message, failure.status, { dropped: true });
      }
      if (idle) {
        const failure = failed(new Error('idle'));
        if (failure) throw failure;
      }
    } finally {
      clearTimeout(timer);
      signal.removeEventListener('abort', abort);
    }
  }

  /** Closes idle keep-alive sockets. */
  close(): void {
    this.agent.destroy();
  }
}
