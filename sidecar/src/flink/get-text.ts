/**
 * One GET over node:http(s) with keep-alive, a deadline for the whole answer and a size cap; the Flink
 * client's transport (global fetch would load undici, tens of MiB for a sidecar that makes a few GETs).
 */
import type { Agent, IncomingMessage } from 'node:http';
import { http, https } from '../http/node-http.js';

export interface TextAnswer {
  status: number;
  text: string;
}

/** Why a GET gave no full answer: nobody answered, the deadline passed, or the answer was too large. */
export class GetFailure extends Error {
  readonly kind: 'unreachable' | 'timeout' | 'too-large';
  constructor(kind: GetFailure['kind'], message: string) {
    super(message);
    this.name = 'GetFailure';
    this.kind = kind;
  }
}

const agents: Record<'http:' | 'https:', Agent> = {
  'http:': new http.Agent({ keepAlive: true, maxSockets: 8 }),
  'https:': new https.Agent({ keepAlive: true, maxSockets: 8 }),
};

/** GETs `url`; rejects with a GetFailure unless a full answer of at most `maxBytes` came within `timeoutMs`. */
export function getText(
  url: URL,
  options: { timeoutMs: number; maxBytes: number; headers?: Record<string, string> },
): Promise<TextAnswer> {
  const scheme = url.protocol;
  if (scheme !== 'http:' && scheme !== 'https:') {
    return Promise.reject(new GetFailure('unreachable', `unsupported scheme ${scheme} (http or https)`));
  }
  return new Promise((resolve, reject) => {
    let settled = false;
    const fail = (failure: GetFailure) => {
      if (settled) return;
      settled = true;
      clearTimeout(deadline);
      request.destroy();
      reject(failure);
    };
    const onAnswer = (response: IncomingMessage) => {
      const declared = Number(response.headers['content-length']);
      if (declared > options.maxBytes) {
        fail(new GetFailure('too-large', `the answer is larger than ${options.maxBytes} bytes`));
        return;
      }
      // One buffer for the whole answer, sized by Content-Length when given, instead of a list of chunks and
      // a concatenated copy of them: the bytes are in memory once, not twice.
      let body = Buffer.allocUnsafe(Number.isSafeInteger(declared) && declared > 0 ? declared : 16 * 1024);
      let size = 0;
      response.on('data', (chunk: Buffer) => {
        if (settled) return;
        if (size + chunk.length > options.maxBytes) {
          fail(new GetFailure('too-large', `the answer is larger than ${options.maxBytes} bytes`));
          return;
        }
        if (size + chunk.length > body.length) {
          const grown = Buffer.allocUnsafe(
            Math.min(options.maxBytes, Math.max(2 * body.length, size + chunk.length)),
          );
          body.copy(grown, 0, 0, size);
          body = grown;
        }
        chunk.copy(body, size);
        size += chunk.length;
      });
      response.on('end', () => {
        if (settled) return;
        settled = true;
        clearTimeout(deadline);
        resolve({ status: response.statusCode ?? 0, text: body.toString('utf8', 0, size) });
      });
      response.on('aborted', () => fail(new GetFailure('timeout', 'the answer was cut off')));
      response.on('error', (error) =>
        fail(new GetFailure('timeout', `the answer was cut off: ${error.message}`)),
      );
    };
    const request = (scheme === 'https:' ? https : http).get(
      url,
      { agent: agents[scheme], headers: options.headers },
      onAnswer,
    );
    const deadline = setTimeout(
      () => fail(new GetFailure('timeout', `no answer within ${options.timeoutMs} ms`)),
      options.timeoutMs,
    );
    request.on('error', (error) => fail(new GetFailure('unreachable', error.message)));
  });
}
