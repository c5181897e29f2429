/**
 * The official Kubernetes Python client (Debian's python3-kubernetes for /usr/bin/python3) as a step runner:
 * one process for all the Python cases (python.test.ts), one JSON line per step (python/driver.py), each
 * step's outcome as the client surfaced it. A missing python3-kubernetes fails the tests, never skips them.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

/** The system Python that Debian's python3-kubernetes is installed for (not a pyenv one on PATH). */
export const systemPython = process.env['CONFORMANCE_PYTHON'] ?? '/usr/bin/python3';

const driver = join(dirname(fileURLToPath(import.meta.url)), 'python', 'driver.py');

/**
 * A client call that returned, or the API error the client raised (ApiException), with what it carried;
 * status 0 when no HTTP answer came at all (urllib3 raised: a reset connection, a timeout).
 */
export type Attempt<T = Record<string, unknown>> =
  | { ok: true; value: T; seconds: number }
  | {
      ok: false;
      status: number;
      reason: string;
      body: StatusBody | string | null;
      headers: Record<string, string>;
      seconds: number;
    };

/** A meta/v1 Status as the server sends it. */
export interface StatusBody {
  kind?: string;
  status?: string;
  message?: string;
  reason?: string;
  code?: number;
  details?: { name?: string; group?: string; kind?: string; retryAfterSeconds?: number; causes?: unknown[] };
}

/** A request sent through the client's call_api: status, lowercase headers, and the body as text or JSON. */
export interface RawAnswer {
  status: number;
  headers: Record<string, string>;
  text?: string;
  body?: StatusBody | string | null;
  lines?: unknown[];
}

export interface WatchEvent {
  type: string;
  object: {
    apiVersion?: string;
    kind?: string;
    metadata?: Record<string, unknown> & { name?: string; resourceVersion?: string };
    spec?: { taskManager?: { replicas?: number } };
    code?: number;
    reason?: string;
    message?: string;
  };
}

export interface WatchOutcome {
  ended: 'stream-ended' | 'stopped' | 'error' | 'connection-broken' | 'undecodable';
  error?: { status: number; reason: string };
  detail?: string;
  events: WatchEvent[];
  seconds: number;
}

export interface PythonClient {
  clientVersion: string;
  /** Runs a step of python/steps_*.py; `onProgress` gets what the step reports while it runs. */
  step<T = Attempt>(
    name: string,
    args?: Record<string, unknown>,
    options?: { onProgress?: (value: unknown) => void; timeoutMs?: number },
  ): Promise<T>;
  close(): Promise<void>;
}

interface Pending {
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
  onProgress?: (value: unknown) => void;
  timer: NodeJS.Timeout;
}

/** Starts the driver for a kubeconfig and namespace; rejects when the Python client cannot be loaded. */
export async function startPythonClient(kubeconfig: string, namespace: string): Promise<PythonClient> {
  // A missing interpreter comes as an 'error' event (ENOENT), reported by `ready` below.
  const child: ChildProcessWithoutNullStreams = spawn(systemPython, ['-u', driver, kubeconfig, namespace], {
    env: { PATH: '/usr/bin:/bin', PYTHONDONTWRITEBYTECODE: '1', HOME: dirname(kubeconfig) },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-8000);
  });
  const pending = new Map<number, Pending>();
  let nextId = 1;
  let exited = false;

  const ready = new Promise<{ clientVersion: string }>((resolve, reject) => {
    const fail = (why: string): void =>
      reject(new Error(`the Python Kubernetes client did not start (${why}); stderr: ${stderr}`));
    child.once('error', (error: NodeJS.ErrnoException) =>
      fail(error.code === 'ENOENT' ? `${systemPython} is not installed` : String(error)),
    );
    child.once('exit', (code) => fail(`exit code ${String(code)}`));
    const lines = createInterface({ input: child.stdout });
    lines.on('line', (line) => {
      let message: Record<string, unknown>;
      try {
        message = JSON.parse(line) as Record<string, unknown>;
      } catch {
        stderr += `\n(stdout) ${line}`;
        return;
      }
      if ('ready' in message) {
        if (message['ready'] === true) resolve({ clientVersion: String(message['clientVersion']) });
        else fail(String(message['error']));
        return;
      }
      const waiting = pending.get(Number(message['id']));
      if (waiting === undefined) return;
      if ('progress' in message) {
        waiting.onProgress?.(message['progress']);
        return;
      }
      pending.delete(Number(message['id']));
      clearTimeout(waiting.timer);
      if ('failed' in message) waiting.reject(new Error(`python step raised:\n${String(message['failed'])}`));
      else waiting.resolve(message['result']);
    });
  });
  child.on('exit', (code) => {
    exited = true;
    for (const [, waiting] of pending) {
      clearTimeout(waiting.timer);
      waiting.reject(new Error(`the Python client exited (${String(code)}); stderr: ${stderr}`));
    }
    pending.clear();
  });
  const { clientVersion } = await ready;

  return {
    clientVersion,
    step: <T>(
      name: string,
      args: Record<string, unknown> = {},
      options: { onProgress?: (value: unknown) => void; timeoutMs?: number } = {},
    ): Promise<T> =>
      new Promise<T>((resolve, reject) => {
        if (exited) {
          reject(new Error(`the Python client has exited; stderr: ${stderr}`));
          return;
        }
        const id = nextId++;
        const timeoutMs = options.timeoutMs ?? 40_000;
        const timer = setTimeout(() => {
          pending.delete(id);
          reject(new Error(`python step ${name} gave no answer in ${timeoutMs} ms; stderr: ${stderr}`));
        }, timeoutMs);
        pending.set(id, {
          resolve: resolve as (value: unknown) => void,
          reject,
          timer,
          ...(options.onProgress === undefined ? {} : { onProgress: options.onProgress }),
        });
        child.stdin.write(`${JSON.stringify({ id, step: name, args })}\n`);
      }),
    close: async () => {
      if (exited) return;
      const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.stdin.end();
      const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
      await gone;
      clearTimeout(timer);
    },
  };
}

/**
 * startPythonClient for a beforeAll: when the client cannot start (python3-kubernetes missing),
 * every step rejects with that reason, so each test fails naming it (a failing beforeAll would only mark
 * the tests skipped).
 */
export async function pythonClientForTests(kubeconfig: string, namespace: string): Promise<PythonClient> {
  try {
    return await startPythonClient(kubeconfig, namespace);
  } catch (error) {
    const reason = error instanceof Error ? error : new Error(String(error));
    return {
      clientVersion: 'unavailable',
      step: () => Promise.reject(reason),
      close: () => Promise.resolve(),
    };
  }
}

function brief(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 400 ? `${text.slice(0, 400)}…` : text;
}

/** The value of a call that must succeed (else an error naming the API error the client raised). */
export function succeeded<T>(attempt: Attempt<unknown>): T {
  if (!attempt.ok)
    throw new Error(`expected success, the client raised ${attempt.status}: ${brief(attempt.body)}`);
  return attempt.value as T;
}

/** The API error of a call that must fail (else an error showing what was answered instead). */
export function refused(attempt: Attempt<unknown>): {
  status: number;
  body: StatusBody;
  headers: Record<string, string>;
} {
  if (attempt.ok) throw new Error(`expected an API error, the call succeeded with ${brief(attempt.value)}`);
  return { status: attempt.status, body: attempt.body as StatusBody, headers: attempt.headers };
}
