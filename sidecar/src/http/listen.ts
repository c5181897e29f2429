/** Starts an HTTP(S) server with sane timeouts, and closes it gracefully: the sidecar's, the injector's, the gateway's. */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RunningServer {
  /** `http(s)://HOST:PORT` (the port actually bound, when asked for 0). */
  url: string;
  /** Stops accepting, lets requests in flight finish (at most a few seconds), then closes. */
  close(): Promise<void>;
}

/** How long close() waits for requests in flight before it drops their connections. */
const CLOSE_GRACE_MS = 5000;

function urlOf(address: AddressInfo, scheme: 'http' | 'https'): string {
  const unspecified = address.address === '0.0.0.0' || address.address === '::';
  const host = unspecified ? (address.family === 'IPv6' ? '::1' : '127.0.0.1') : address.address;
  return `${scheme}://${host.includes(':') ? `[${host}]` : host}:${address.port}`;
}

export function listen(server: Server, host: string, port: number, scheme: 'http' | 'https' = 'http') {
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;
  server.keepAliveTimeout = 5_000;
  return new Promise<RunningServer>((resolve, reject) => {
    const failed = (error: Error) => reject(error);
    server.once('error', failed);
    server.listen(port, host, () => {
      server.off('error', failed);
      let closing: Promise<void> | undefined;
      resolve({
        url: urlOf(server.address() as AddressInfo, scheme),
        close: () => {
          closing ??= new Promise<void>((done, fail) => {
            const force = setTimeout(() => server.closeAllConnections(), CLOSE_GRACE_MS);
            force.unref();
            server.close((error) => {
              clearTimeout(force);
              if (error) fail(error);
              else done();
            });
            server.closeIdleConnections();
          });
          return closing;
        },
      });
    });
  });
}

/** `HOST:PORT` → parts; throws naming the flag when it is not that. */
export function hostPort(flag: string, text: string): { host: string; port: number } {
  const match = /^(.*):(\d{1,5})$/.exec(text);
  const port = Number(match?.[2]);
  if (!match || port > 65535) throw new Error(`${flag} must be HOST:PORT, got ${JSON.stringify(text)}`);
  return { host: (match[1] ?? '').replace(/^\[(.*)\]$/, '$1') || '0.0.0.0', port };
}
