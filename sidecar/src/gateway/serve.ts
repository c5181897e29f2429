/**
 * The gateway's listener: HTTPS from `--tls-cert-file`/`--tls-key-file` (re-read every few seconds and
 * swapped in without a restart when they change, as the injector does), asking for a client certificate
 * verified against `--client-ca-file` when one is given (re-read on change too); plain HTTP only with
 * `--insecure-http` (tests, local runs).
 */
import { readFileSync } from 'node:fs';
import type { RequestListener } from 'node:http';
import { createSecureContext } from 'node:tls';
import { listen, type RunningServer } from '../http/listen.js';
import { http, https } from '../http/node-http.js';
import { checkKeyPair, readKeyPair, watchKeyPair, type KeyPair } from '../injector/tls-files.js';

export interface ServeOptions {
  host: string;
  port: number;
  tls?: { certFile: string; keyFile: string; clientCaFile?: string; checkMs?: number };
  log: (level: 'info' | 'warn', message: string, fields: Record<string, unknown>) => void;
}

export interface ServingGateway extends RunningServer {
  /** Stops watching the certificate files, then closes. */
  close(): Promise<void>;
}

function readCa(file: string): string {
  const ca = readFileSync(file, 'utf8');
  createSecureContext({ ca });
  return ca;
}

export async function serveGateway(app: RequestListener, options: ServeOptions): Promise<ServingGateway> {
  const tls = options.tls;
  if (tls === undefined) {
    const server = await listen(http.createServer(app), options.host, options.port);
    return server;
  }
  let pair: KeyPair = readKeyPair(tls.certFile, tls.keyFile);
  checkKeyPair(pair);
  let ca = tls.clientCaFile === undefined ? undefined : readCa(tls.clientCaFile);
  const context = () => ({ cert: pair.cert, key: pair.key, ...(ca === undefined ? {} : { ca }) });
  const server = https.createServer(
    {
      ...context(),
      minVersion: 'TLSv1.2',
      // A client certificate is asked for, not required: Grafana may send a bearer token instead.
      ...(ca === undefined ? {} : { requestCert: true, rejectUnauthorized: false }),
    },
    app,
  );
  const checkMs = tls.checkMs ?? 5000;
  const keyWatch = watchKeyPair(
    tls.certFile,
    tls.keyFile,
    pair,
    (next) => {
      pair = next;
      server.setSecureContext(context());
      options.log('info', 'serving certificate reloaded', { cert: tls.certFile });
    },
    (error) => options.log('warn', 'serving certificate not reloaded', { error: error.message }),
    checkMs,
  );
  let caTimer: NodeJS.Timeout | undefined;
  if (tls.clientCaFile !== undefined) {
    const file = tls.clientCaFile;
    let rejected = '';
    caTimer = setInterval(() => {
      let next = '';
      try {
        next = readFileSync(file, 'utf8');
        if (next === ca || next === rejected) return;
        createSecureContext({ ca: next });
        ca = next;
        server.setSecureContext(context());
        options.log('info', 'client CA reloaded', { file });
      } catch (error) {
        // Said once per bad content, not every few seconds; the CA in use stays.
        if (next !== '') rejected = next;
        options.log('warn', 'client CA not reloaded', { file, error: (error as Error).message });
      }
    }, checkMs);
    caTimer.unref();
  }
  const running = await listen(server, options.host, options.port, 'https');
  return {
    url: running.url,
    close: async () => {
      keyWatch.stop();
      clearInterval(caTimer);
      await running.close();
    },
  };
}
