/**
 * The API server's call to one admission webhook: POST over HTTPS, the server certificate checked against
 * `caBundle` (and the Service's DNS name when called through a Service), `?timeout=Ns` on the URL and a
 * deadline; failures worded as client-go words them (`Post "URL": dial tcp ...: connect: connection refused`).
 */
import { request } from 'node:https';
import { isIP } from 'node:net';

/** Where and how to call: the URL to connect to, the name to verify, the CA to trust, the deadline. */
export interface WebhookTarget {
  /** The URL as the API server shows it in errors (`https://svc.ns.svc:443/path?timeout=10s`). */
  displayUrl: string;
  /** The URL actually connected to (differs from displayUrl for a Service mapped to loopback). */
  connectUrl: string;
  /** The host name the certificate must carry (a Service's `NAME.NAMESPACE.svc`); default the URL's host. */
  serverName?: string;
  /** PEM CA bundle; undefined: the system roots. */
  ca?: string;
  timeoutMs: number;
}

/** A failed call, with client-go's words for it (without the `Post "URL": ` prefix, which `message` adds). */
export class WebhookCallError extends Error {
  override name = 'WebhookCallError';
}

function goHostPort(url: URL): string {
  return `${url.hostname}:${url.port || '443'}`;
}

/** x509.HostnameError's list: the IP SANs for an IP host, else the DNS names. */
function validNames(error: NodeJS.ErrnoException, host: string): string {
  const cert = (error as { cert?: { subjectaltname?: string } }).cert;
  const entries = (cert?.subjectaltname ?? '').split(',').map((part) => part.trim());
  const kind = isIP(host) ? 'IP Address:' : 'DNS:';
  return entries
    .filter((part) => part.startsWith(kind))
    .map((part) => part.slice(kind.length))
    .join(', ');
}

/** The Go error text for a Node socket or TLS error. */
function goError(error: NodeJS.ErrnoException, url: URL, serverName: string): string {
  switch (error.code) {
    case 'ECONNREFUSED':
      return `dial tcp ${goHostPort(url)}: connect: connection refused`;
    case 'ECONNRESET':
      return 'read: connection reset by peer';
    case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE':
    case 'SELF_SIGNED_CERT_IN_CHAIN':
    case 'DEPTH_ZERO_SELF_SIGNED_CERT':
    case 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY':
    case 'UNABLE_TO_GET_ISSUER_CERT':
      return 'tls: failed to verify certificate: x509: certificate signed by unknown authority';
    case 'ERR_TLS_CERT_ALTNAME_INVALID': {
      const valid = validNames(error, serverName);
      if (valid === '' && isIP(serverName)) {
        return `tls: failed to verify certificate: x509: cannot validate certificate for ${serverName} because it doesn't contain any IP SANs`;
      }
      return valid === ''
        ? `tls: failed to verify certificate: x509: certificate is not valid for any names, but wanted to match ${serverName}`
        : `tls: failed to verify certificate: x509: certificate is valid for ${valid}, not ${serverName}`;
    }
    case 'CERT_HAS_EXPIRED':
    case 'CERT_NOT_YET_VALID':
      return 'tls: failed to verify certificate: x509: certificate has expired or is not yet valid';
    default:
      return error.message;
  }
}

/** POSTs `body` (JSON) and resolves with the answer's status and text; rejects with a WebhookCallError. */
export function postToWebhook(
  target: WebhookTarget,
  body: string,
): Promise<{ status: number; text: string }> {
  const url = new URL(target.connectUrl);
  const serverName = target.serverName ?? url.hostname;
  const failure = (detail: string) => new WebhookCallError(`Post "${target.displayUrl}": ${detail}`);
  return new Promise((resolve, reject) => {
    let settled = false;
    const settle = (fn: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(deadline);
      fn();
    };
    const req = request(
      url,
      {
        method: 'POST',
        headers: {
          'Content-Type': 'application/json',
          Accept: 'application/json, */*',
          'User-Agent': 'kube-apiserver-admission',
          'Content-Length': Buffer.byteLength(body),
        },
        ...(target.ca === undefined ? {} : { ca: target.ca }),
        // Node checks an IP host against IP SANs only when no servername is sent (SNI takes names only).
        ...(target.serverName === undefined ? {} : { servername: target.serverName }),
        rejectUnauthorized: true,
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          settle(() =>
            resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }),
          ),
        );
        res.on('error', (error) => settle(() => reject(failure(goError(error, url, serverName)))));
      },
    );
    const deadline = setTimeout(() => {
      settle(() => reject(failure('context deadline exceeded')));
      req.destroy();
    }, target.timeoutMs);
    req.on('error', (error: NodeJS.ErrnoException) =>
      settle(() => reject(failure(goError(error, url, serverName)))),
    );
    req.end(body);
  });
}
