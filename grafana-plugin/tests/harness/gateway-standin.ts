/**
 * A stand-in for the chart's gateway (written elsewhere): it serves
 * /api/v1/namespaces/{ns}/flinkdeployments/{name}/{status|scale} by forwarding to that job's sidecar's
 * /api/v1/{status|scale} with the same body and the caller's Authorization and X-Grafana-User headers,
 * and answers with the sidecar's answer. Only for tests of the panel's path shape.
 */
import { createServer, type IncomingMessage } from 'node:http';

export interface Gateway {
  url: string;
  close(): Promise<void>;
}

const PATH = /^\/api\/v1\/namespaces\/([^/]+)\/flinkdeployments\/([^/]+)\/(status|scale)$/;

async function body(req: IncomingMessage): Promise<Uint8Array<ArrayBuffer>> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return new Uint8Array(Buffer.concat(chunks));
}

export async function startGatewayStandin(
  sidecarOf: (namespace: string, name: string) => string | undefined,
): Promise<Gateway> {
  const server = createServer((req, res) => {
    void (async () => {
      const match = PATH.exec(new URL(req.url ?? '/', 'http://gateway').pathname);
      const sidecar = match
        ? sidecarOf(decodeURIComponent(match[1] ?? ''), decodeURIComponent(match[2] ?? ''))
        : undefined;
      if (!match || !sidecar) {
        res.writeHead(404, { 'Content-Type': 'application/json' });
        res.end(
          JSON.stringify({ error: { status: 404, reason: 'not-found', message: 'no such FlinkDeployment' } }),
        );
        return;
      }
      const headers: Record<string, string> = {};
      for (const name of ['authorization', 'x-grafana-user', 'content-type']) {
        const value = req.headers[name];
        if (typeof value === 'string') headers[name] = value;
      }
      const payload = req.method === 'POST' ? await body(req) : undefined;
      const answer = await fetch(`${sidecar}/api/v1/${match[3]}`, {
        method: req.method,
        headers,
        body: payload,
      });
      res.writeHead(answer.status, {
        'Content-Type': answer.headers.get('content-type') ?? 'application/json',
      });
      res.end(Buffer.from(await answer.arrayBuffer()));
    })();
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}`, close: () => new Promise((done) => server.close(() => done())) };
}
