/**
 * The serving certificate from files (a mounted Secret: cert-manager's or a user's), re-read every few
 * seconds and swapped into the running HTTPS server when it changes, without a restart. A half-written or
 * mismatched pair is refused and the old one kept until the files are right.
 */
import { readFileSync } from 'node:fs';
import { createSecureContext } from 'node:tls';

export interface KeyPair {
  cert: string;
  key: string;
}

export function readKeyPair(certFile: string, keyFile: string): KeyPair {
  return { cert: readFileSync(certFile, 'utf8'), key: readFileSync(keyFile, 'utf8') };
}

/** Throws when the pair cannot serve (bad PEM, key not matching the certificate). */
export function checkKeyPair(pair: KeyPair): void {
  createSecureContext(pair);
}

export interface TlsWatch {
  stop(): void;
}

/** Calls `apply` with each new valid pair; `onRejected` when the files changed but cannot serve. */
export function watchKeyPair(
  certFile: string,
  keyFile: string,
  current: KeyPair,
  apply: (pair: KeyPair) => void,
  onRejected: (error: Error) => void,
  intervalMs = 5000,
): TlsWatch {
  let last = current;
  let lastRejected = '';
  const timer = setInterval(() => {
    let pair: KeyPair;
    try {
      pair = readKeyPair(certFile, keyFile);
    } catch (error) {
      onRejected(error as Error);
      return;
    }
    if (pair.cert === last.cert && pair.key === last.key) return;
    try {
      checkKeyPair(pair);
    } catch (error) {
      const seen = pair.cert + pair.key;
      if (seen !== lastRejected) onRejected(error as Error);
      lastRejected = seen;
      return;
    }
    last = pair;
    apply(pair);
  }, intervalMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
