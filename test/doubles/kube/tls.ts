/**
 * A self-signed serving certificate for 127.0.0.1, built with node:crypto and a little DER: kubectl (client-go)
 * sends bearer tokens only over TLS, so the double also listens on https and kubeconfigs trust this certificate.
 */
import { createHash, generateKeyPairSync, randomBytes, sign } from 'node:crypto';

function length(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let rest = n; rest > 0; rest = Math.floor(rest / 256)) bytes.unshift(rest % 256);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

function tlv(tag: number, ...content: Buffer[]): Buffer {
  const body = Buffer.concat(content);
  return Buffer.concat([Buffer.from([tag]), length(body.length), body]);
}

const sequence = (...content: Buffer[]): Buffer => tlv(0x30, ...content);
const set = (...content: Buffer[]): Buffer => tlv(0x31, ...content);
const octets = (content: Buffer): Buffer => tlv(0x04, content);
const bits = (content: Buffer, unused = 0): Buffer => tlv(0x03, Buffer.from([unused]), content);
const explicit = (n: number, content: Buffer): Buffer => tlv(0xa0 + n, content);

/** A DER INTEGER from unsigned big-endian bytes: minimal (no leading zero bytes) and positive (a 0x00 before a high bit). */
export function integer(value: Buffer): Buffer {
  let start = 0;
  while (start < value.length - 1 && value[start] === 0) start += 1;
  const minimal = value.subarray(start);
  return tlv(0x02, (minimal[0] ?? 0) & 0x80 ? Buffer.concat([Buffer.from([0]), minimal]) : minimal);
}

function oid(dotted: string): Buffer {
  const [first = 0, second = 0, ...rest] = dotted.split('.').map(Number);
  const bytes = [first * 40 + second];
  for (const arc of rest) {
    const chunk = [arc & 0x7f];
    for (let v = arc >>> 7; v > 0; v >>>= 7) chunk.unshift((v & 0x7f) | 0x80);
    bytes.push(...chunk);
  }
  return tlv(0x06, Buffer.from(bytes));
}

function utcTime(date: Date): Buffer {
  const text = date.toISOString().replace(/[-:T]/g, '').slice(2, 14) + 'Z';
  return tlv(0x17, Buffer.from(text, 'ascii'));
}

function extension(id: string, critical: boolean, value: Buffer): Buffer {
  return sequence(oid(id), ...(critical ? [tlv(0x01, Buffer.from([0xff]))] : []), octets(value));
}

function pem(label: string, der: Buffer): string {
  const lines = der.toString('base64').match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}

/** Whom a certificate is for (subject alternative names) and what its subject says. */
export interface CertificateSubject {
  /** CN (default `kube-double`). */
  commonName?: string;
  /** DNS names (default `localhost`), e.g. `injector.flink-autoscaler.svc` for a webhook Service. */
  dnsNames?: readonly string[];
  /** IPv4 addresses (default `127.0.0.1`). */
  ipAddresses?: readonly string[];
}

function ipv4(address: string): Buffer {
  const parts = address.split('.').map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) {
    throw new Error(`selfSignedCertificate: not an IPv4 address: ${address}`);
  }
  return Buffer.from(parts);
}

/**
 * A P-256 key and a self-signed certificate, valid for a day: by default for CN=kube-double, IP 127.0.0.1
 * and DNS localhost (the double's own); `subject` names other hosts (a test webhook server's).
 */
export function selfSignedCertificate(
  serial: Buffer = randomBytes(16),
  subject: CertificateSubject = {},
): { key: string; cert: string } {
  const dnsNames = subject.dnsNames ?? ['localhost'];
  const ipAddresses = subject.ipAddresses ?? ['127.0.0.1'];
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const spki = publicKey.export({ type: 'spki', format: 'der' });
  const ecdsaWithSha256 = sequence(oid('1.2.840.10045.4.3.2'));
  const name = sequence(
    set(sequence(oid('2.5.4.3'), tlv(0x0c, Buffer.from(subject.commonName ?? 'kube-double')))),
  );
  const now = Date.now();
  const tbs = sequence(
    explicit(0, integer(Buffer.from([2]))),
    integer(serial),
    ecdsaWithSha256,
    name,
    sequence(utcTime(new Date(now - 3600_000)), utcTime(new Date(now + 24 * 3600_000))),
    name,
    spki,
    explicit(
      3,
      sequence(
        extension('2.5.29.19', true, sequence(tlv(0x01, Buffer.from([0xff])))),
        extension('2.5.29.15', true, bits(Buffer.from([0x84]), 2)),
        extension('2.5.29.37', false, sequence(oid('1.3.6.1.5.5.7.3.1'))),
        extension('2.5.29.14', false, octets(createHash('sha1').update(spki).digest())),
        extension(
          '2.5.29.17',
          false,
          sequence(
            ...ipAddresses.map((ip) => tlv(0x87, ipv4(ip))),
            ...dnsNames.map((dns) => tlv(0x82, Buffer.from(dns, 'ascii'))),
          ),
        ),
      ),
    ),
  );
  const signature = sign('sha256', tbs, { key: privateKey, dsaEncoding: 'der' });
  const certificate = sequence(tbs, ecdsaWithSha256, bits(signature));
  return {
    key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    cert: pem('CERTIFICATE', certificate),
  };
}
