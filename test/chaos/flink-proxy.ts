/**
 * A sidecar's own way to the Flink double: every answer is recorded with who asked and the fault the double
 * applied to it (its `X-Double-Fault` header), not the fault of the moment the request reached the proxy: a
 * fault switched while the request was on its way to the double would otherwise be put on an answer it did
 * not shape. Down while Flink is down (the listener closed), on a port of this worker's slice (test/fixtures
 * /wait.ts) so nothing else takes it while it is closed.
 */
import { createServer, request, type Server } from 'node:http';
import { listen } from '../../sidecar/src/http/listen.js';
import { FAULT_HEADER, type FlinkDouble } from '../doubles/flink/index.js';
import { freePort } from '../fixtures/wait.js';
import type { FlinkAnswerRecord } from './records.js';

export interface FlinkProxy {
  readonly port: number;
  /** Opens the listener (again, on the same port). */
  open(): Promise<void>;
  /** Closes the listener and every connection. */
  close(): Promise<void>;
  readonly listening: boolean;
}

export async function startFlinkProxy(
  flink: Pick<FlinkDouble, 'port' | 'fault'>,
  sidecar: number,
  record: (answer: FlinkAnswerRecord) => void,
): Promise<FlinkProxy> {
  const port = await freePort();
  const server: Server = createServer((req, res) => {
    const at = Date.now();
    const upstream = request(
      { host: '127.0.0.1', port: flink.port, path: req.url, method: req.method, headers: req.headers },
      (answer) => {
        const applied = answer.headers[FAULT_HEADER];
        record({ at, fault: typeof applied === 'string' ? applied : flink.fault, sidecar });
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => {
      // No answer from the double (it is down, or the sidecar gave up first and the proxy let go).
      record({ at, fault: flink.fault === 'none' ? 'no-answer' : flink.fault, sidecar });
      req.socket.destroy();
    });
    res.on('close', () => upstream.destroy());
    req.pipe(upstream);
  });
  const proxy: FlinkProxy = {
    port,
    get listening() {
      return server.listening;
    },
    open: async () => {
      await listen(server, '127.0.0.1', port);
    },
    close: () =>
      new Promise<void>((done) => {
        server.close(() => done());
        server.closeAllConnections();
      }),
  };
  await proxy.open();
  return proxy;
}
