import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { inClusterSettings, kubeconfigSettings, loadKubeSettings } from '../src/kube/kubeconfig.js';

function kubeconfig(user: Record<string, unknown>, cluster: Record<string, unknown> = {}): string {
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'c', cluster: { server: 'https://10.0.0.1:6443', ...cluster } }],
    users: [{ name: 'u', user }],
    contexts: [
      { name: 'ctx', context: { cluster: 'c', user: 'u', namespace: 'streaming' } },
      { name: 'other', context: { cluster: 'c', user: 'missing' } },
    ],
    'current-context': 'ctx',
  });
}

describe('the kubeconfig loader', () => {
  it('takes the current context’s server, namespace, token and inline CA', async () => {
    const settings = await kubeconfigSettings(
      kubeconfig({ token: 'abc' }, { 'certificate-authority-data': Buffer.from('PEM').toString('base64') }),
      '/x/config',
    );
    expect(settings).toEqual({
      server: 'https://10.0.0.1:6443',
      token: 'abc',
      namespace: 'streaming',
      ca: Buffer.from('PEM'),
    });
  });

  it('reads files relative to the kubeconfig’s folder: CA, client certificate and key, token file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kubeconfig-'));
    mkdirSync(join(dir, 'pki'));
    writeFileSync(join(dir, 'pki/ca.crt'), 'CA');
    writeFileSync(join(dir, 'pki/client.crt'), 'CERT');
    writeFileSync(join(dir, 'pki/client.key'), 'KEY');
    const file = join(dir, 'config');
    writeFileSync(
      file,
      kubeconfig(
        { 'client-certificate': 'pki/client.crt', 'client-key': 'pki/client.key', tokenFile: 'token' },
        { 'certificate-authority': 'pki/ca.crt', 'tls-server-name': 'kubernetes' },
      ),
    );
    const settings = await loadKubeSettings(file, {});
    expect(settings.ca?.toString()).toBe('CA');
    expect(settings.cert?.toString()).toBe('CERT');
    expect(settings.key?.toString()).toBe('KEY');
    expect(settings.tokenFile).toBe(join(dir, 'token'));
    expect(settings.serverName).toBe('kubernetes');
  });

  it('honours insecure-skip-tls-verify and an explicit context', async () => {
    const text = kubeconfig({ token: 't' }, { 'insecure-skip-tls-verify': true });
    expect((await kubeconfigSettings(text, 'f')).insecure).toBe(true);
    await expect(kubeconfigSettings(text, 'f', 'other')).rejects.toThrow(/no user named "missing"/);
  });

  it('refuses exec and auth-provider users with a message saying what works', async () => {
    await expect(kubeconfigSettings(kubeconfig({ exec: { command: 'aws' } }), 'f')).rejects.toThrow(
      /exec or auth-provider plugin.*use a token, a token file or a client certificate/,
    );
  });

  it('says what is wrong with a broken kubeconfig', async () => {
    await expect(kubeconfigSettings(': : :\n  - [', 'f')).rejects.toThrow(/f is not YAML/);
    await expect(kubeconfigSettings('apiVersion: v1\n', 'f')).rejects.toThrow(/no current-context/);
    await expect(loadKubeSettings('/nonexistent/kubeconfig', {})).rejects.toThrow(
      /cannot read the kubeconfig \/nonexistent\/kubeconfig/,
    );
    const noServer = stringify({
      clusters: [{ name: 'c', cluster: {} }],
      contexts: [{ name: 'x', context: { cluster: 'c' } }],
      'current-context': 'x',
    });
    await expect(kubeconfigSettings(noServer, 'f')).rejects.toThrow(/cluster c has no server/);
  });
});

describe('in-cluster settings', () => {
  function serviceAccountDir(): string {
    const dir = mkdtempSync(join(tmpdir(), 'sa-'));
    writeFileSync(join(dir, 'token'), 'sa-token\n');
    writeFileSync(join(dir, 'ca.crt'), 'CLUSTER-CA');
    writeFileSync(join(dir, 'namespace'), 'streaming');
    return dir;
  }

  it('uses the service account’s token file, CA and namespace, and the service host and port', () => {
    const dir = serviceAccountDir();
    const env = { KUBERNETES_SERVICE_HOST: '10.96.0.1', KUBERNETES_SERVICE_PORT: '443' };
    expect(inClusterSettings(env, dir)).toEqual({
      server: 'https://10.96.0.1:443',
      tokenFile: join(dir, 'token'),
      ca: Buffer.from('CLUSTER-CA'),
      namespace: 'streaming',
    });
    expect(
      inClusterSettings({ KUBERNETES_SERVICE_HOST: 'fd00::1', KUBERNETES_SERVICE_PORT: '443' }, dir)?.server,
    ).toBe('https://[fd00::1]:443');
  });

  it('is not in a cluster without the service variables or the token', () => {
    expect(inClusterSettings({}, serviceAccountDir())).toBeUndefined();
    const env = { KUBERNETES_SERVICE_HOST: '10.96.0.1', KUBERNETES_SERVICE_PORT: '443' };
    expect(inClusterSettings(env, mkdtempSync(join(tmpdir(), 'empty-')))).toBeUndefined();
  });

  it('falls back to $KUBECONFIG, and says so when there is nothing at all', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kc-'));
    const file = join(dir, 'config');
    writeFileSync(file, kubeconfig({ token: 'from-env' }));
    expect((await loadKubeSettings(undefined, { KUBECONFIG: `/missing:${file}` })).token).toBe('from-env');
    await expect(loadKubeSettings(undefined, { HOME: dir })).rejects.toThrow(/no Kubernetes API to talk to/);
  });
});
