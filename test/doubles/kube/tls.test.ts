import { X509Certificate } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { integer, selfSignedCertificate } from './tls.js';

describe('the double’s self-signed certificate', () => {
  it('encodes DER integers minimally and positive', () => {
    expect(integer(Buffer.from([0x00, 0x00, 0x05]))).toEqual(Buffer.from([0x02, 0x01, 0x05]));
    expect(integer(Buffer.from([0x00, 0x80]))).toEqual(Buffer.from([0x02, 0x02, 0x00, 0x80]));
    expect(integer(Buffer.from([0xff]))).toEqual(Buffer.from([0x02, 0x02, 0x00, 0xff]));
    expect(integer(Buffer.from([0x00]))).toEqual(Buffer.from([0x02, 0x01, 0x00]));
  });

  // Serials with leading zero bytes or a high bit once made OpenSSL refuse the certificate ("illegal padding").
  it.each([
    ['leading zero', '000102030405060708090a0b0c0d0e0f'],
    ['high bit', 'ff0102030405060708090a0b0c0d0e0f'],
    ['zero then high bit', '00ff02030405060708090a0b0c0d0e0f'],
  ])('is accepted by OpenSSL with a serial having a %s', (_, hex) => {
    const { cert } = selfSignedCertificate(Buffer.from(hex, 'hex'));
    const parsed = new X509Certificate(cert);
    expect(parsed.subject).toBe('CN=kube-double');
    expect(parsed.checkIP('127.0.0.1')).toBe('127.0.0.1');
    expect(parsed.checkHost('localhost')).toBe('localhost');
  });
});

describe('selfSignedCertificate for other hosts', () => {
  it('names the given DNS names and IPs, and only those', () => {
    const { cert } = selfSignedCertificate(undefined, {
      commonName: 'injector',
      dnsNames: ['injector.flink-autoscaler.svc', 'localhost'],
      ipAddresses: ['127.0.0.2'],
    });
    const parsed = new X509Certificate(cert);
    expect(parsed.subject).toBe('CN=injector');
    expect(parsed.checkHost('injector.flink-autoscaler.svc')).toBe('injector.flink-autoscaler.svc');
    expect(parsed.checkIP('127.0.0.2')).toBe('127.0.0.2');
    expect(parsed.checkIP('127.0.0.1')).toBeUndefined();
    expect(parsed.checkHost('other.flink-autoscaler.svc')).toBeUndefined();
  });
});
