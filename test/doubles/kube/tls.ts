/**
 * A self-signed serving certificate for 127.0.0.1: kubectl (client-go) sends bearer tokens only over TLS, so
 * the double also listens on https and kubeconfigs trust this certificate. The certificate is built with
 * @peculiar/x509 (names, extensions, PEM) over its ASN.1 schemas (@peculiar/asn1-x509) and signed with
 * node:crypto, synchronously: X509CertificateGenerator signs through WebCrypto, which only answers later,
 * and callers build certificates at module load.
 */
import 'reflect-metadata';
import { createHash, generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import { isIPv4 } from 'node:net';
import { AsnConvert } from '@peculiar/asn1-schema';
import * as asn1X509 from '@peculiar/asn1-x509';
import * as x509 from '@peculiar/x509';

/** Whom a certificate is for (subject alternative names) and what its subject says. */
export interface CertificateSubject {
  /** CN (default `kube-double`). */
  commonName?: string;
  /** DNS names (default `localhost`), e.g. `injector.flink-autoscaler.svc` for a webhook Service. */
  dnsNames?: readonly string[];
  /** IPv4 addresses (default `127.0.0.1`). */
  ipAddresses?: readonly string[];
}

/** ecdsa-with-SHA256, without parameters (RFC 5758). */
const ecdsaWithSha256 = '1.2.840.10045.4.3.2';

/** A serial number as DER wants it: no leading zero bytes, positive (a 0x00 before a high bit), never empty. */
export function serialOctets(serial: Buffer): Buffer {
  let start = 0;
  while (start < serial.length - 1 && serial[start] === 0) start += 1;
  const minimal = serial.length === 0 ? Buffer.from([1]) : serial.subarray(start);
  return (minimal[0] ?? 0) & 0x80 ? Buffer.concat([Buffer.from([0]), minimal]) : minimal;
}

function arrayBuffer(buffer: Buffer): ArrayBuffer {
  return buffer.buffer.slice(buffer.byteOffset, buffer.byteOffset + buffer.byteLength) as ArrayBuffer;
}

/**
 * A P-256 key and a self-signed certificate (its own CA), valid for a day: by default for CN=kube-double,
 * IP 127.0.0.1 and DNS localhost (the double's own); `subject` names other hosts (a test webhook server's).
 */
export function selfSignedCertificate(
  serial: Buffer = randomBytes(16),
  subject: CertificateSubject = {},
): { key: string; cert: string } {
  const dnsNames = subject.dnsNames ?? ['localhost'];
  const ipAddresses = subject.ipAddresses ?? ['127.0.0.1'];
  for (const ip of ipAddresses) {
    if (!isIPv4(ip)) throw new Error(`selfSignedCertificate: not an IPv4 address: ${ip}`);
  }
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const spki = publicKey.export({ type: 'spki', format: 'der' });
  const name = AsnConvert.parse(
    new x509.Name([{ CN: [subject.commonName ?? 'kube-double'] }]).toArrayBuffer(),
    asn1X509.Name,
  );
  const extensions = [
    new x509.BasicConstraintsExtension(true, undefined, true),
    new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyCertSign, true),
    new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
    new x509.SubjectKeyIdentifierExtension(createHash('sha1').update(spki).digest('hex')),
    new x509.SubjectAlternativeNameExtension([
      ...ipAddresses.map((value) => ({ type: 'ip' as const, value })),
      ...dnsNames.map((value) => ({ type: 'dns' as const, value })),
    ]),
  ];
  const algorithm = new asn1X509.AlgorithmIdentifier({ algorithm: ecdsaWithSha256 });
  const now = Date.now();
  const tbsCertificate = new asn1X509.TBSCertificate({
    version: asn1X509.Version.v3,
    serialNumber: arrayBuffer(serialOctets(serial)),
    signature: algorithm,
    issuer: name,
    validity: new asn1X509.Validity({
      notBefore: new Date(now - 3600_000),
      notAfter: new Date(now + 24 * 3600_000),
    }),
    subject: name,
    subjectPublicKeyInfo: AsnConvert.parse(spki, asn1X509.SubjectPublicKeyInfo),
    extensions: new asn1X509.Extensions(
      extensions.map((extension) => AsnConvert.parse(extension.rawData, asn1X509.Extension)),
    ),
  });
  const signature = sign('sha256', Buffer.from(AsnConvert.serialize(tbsCertificate)), {
    key: privateKey,
    dsaEncoding: 'der',
  });
  const certificate = new asn1X509.Certificate({
    tbsCertificate,
    signatureAlgorithm: algorithm,
    signatureValue: arrayBuffer(signature),
  });
  return {
    key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    cert: `${new x509.X509Certificate(AsnConvert.serialize(certificate)).toString('pem')}\n`,
  };
}
