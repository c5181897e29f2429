/** One loopback HTTP server at a time for a test file: `serve` starts it, `closeServer` (in afterEach) stops it. */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

let server: Server | undefined;
/** Connections the current server has accepted. */
export const accepted = { connections: 0 };

/** Starts a server on 127.0.0.1 with `handler`; resolves to its http:// URL. */
export async function serve(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<string> {
  accepted.connections = 0;
  const started = createServer(handler).on('connection', () => accepted.connections++);
  server = started;
  await new Promise<void>((r) => started.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(started.address() as { port: number }).port}`;
}

/** Stops the current server, if any, dropping its open connections. */
export async function closeServer(): Promise<void> {
  const open = server;
  server = undefined;
  if (open) {
    open.closeAllConnections();
    await new Promise((r) => open.close(r));
  }
}
