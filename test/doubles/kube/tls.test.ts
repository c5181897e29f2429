import 'reflect-metadata';
import { X509Certificate } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runKubectl, startKubeDouble, type KubeDouble } from './index.js';
import { serialOctets, selfSignedCertificate } from './tls.js';

describe('the double’s self-signed certificate (built with @peculiar/x509)', () => {
  it('encodes serial numbers minimally and positive', () => {
    expect(serialOctets(Buffer.from([0x00, 0x00, 0x05]))).toEqual(Buffer.from([0x05]));
    expect(serialOctets(Buffer.from([0x00, 0x80]))).toEqual(Buffer.from([0x00, 0x80]));
    expect(serialOctets(Buffer.from([0xff]))).toEqual(Buffer.from([0x00, 0xff]));
    expect(serialOctets(Buffer.from([0x00]))).toEqual(Buffer.from([0x00]));
  });

  // Serials with leading zero bytes or a high bit once made OpenSSL refuse the certificate ("illegal padding").
  it.each([
    ['leading zero', '000102030405060708090a0b0c0d0e0f', '0102030405060708090A0B0C0D0E0F'],
    ['high bit', 'ff0102030405060708090a0b0c0d0e0f', 'FF0102030405060708090A0B0C0D0E0F'],
    ['zero then high bit', '00ff02030405060708090a0b0c0d0e0f', 'FF02030405060708090A0B0C0D0E0F'],
  ])('is accepted by OpenSSL with a serial having a %s', (_, hex, printed) => {
    const { cert } = selfSignedCertificate(Buffer.from(hex, 'hex'));
    const parsed = new X509Certificate(cert);
    expect(parsed.subject).toBe('CN=kube-double');
    expect(parsed.serialNumber).toBe(printed);
    expect(parsed.checkIP('127.0.0.1')).toBe('127.0.0.1');
    expect(parsed.checkHost('localhost')).toBe('localhost');
    expect(parsed.ca).toBe(true);
    expect(parsed.verify(parsed.publicKey)).toBe(true);
  });

  it('carries the extensions a serving certificate needs, as @peculiar/x509 reads them', () => {
    const parsed = new x509.X509Certificate(selfSignedCertificate().cert);
    expect(parsed.getExtension(x509.BasicConstraintsExtension)).toMatchObject({ ca: true, critical: true });
    expect(parsed.getExtension(x509.ExtendedKeyUsageExtension)?.usages).toEqual([
      x509.ExtendedKeyUsage.serverAuth,
    ]);
    expect(parsed.getExtension(x509.SubjectAlternativeNameExtension)?.names.toJSON()).toEqual([
      { type: 'ip', value: '127.0.0.1' },
      { type: 'dns', value: 'localhost' },
    ]);
    expect(parsed.notAfter.getTime() - parsed.notBefore.getTime()).toBe(25 * 3600_000);
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

  it('refuses what is not an IPv4 address', () => {
    expect(() => selfSignedCertificate(undefined, { ipAddresses: ['localhost'] })).toThrow(
      /not an IPv4 address/,
    );
  });
});

describe('kubectl over https with it', () => {
  let double: KubeDouble;
  beforeAll(async () => {
    double = await startKubeDouble({
      users: [{ token: 'admin-token', username: 'admin', groups: ['system:masters'] }],
    });
  }, 60_000);
  afterAll(async () => {
    await double?.close();
  });

  it('verifies the server and sends its token', async () => {
    const { code, stdout, stderr } = await runKubectl(
      double.kubeconfig('admin'),
      ['get', '--raw', '/version'],
      {
        home: double.dir,
      },
    );
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({ gitVersion: 'v1.32.4' });
    expect(double.requests().at(-1)).toMatchObject({ path: '/version', user: 'admin' });
  });
});
