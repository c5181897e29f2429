/**
 * The app's configuration: the gateway's in-cluster URL (jsonData.gatewayUrl) and the Kubernetes token
 * Grafana sends it (secureJsonData.gatewayToken, encrypted by Grafana, never sent back to a browser): the
 * token of Grafana's ServiceAccount bound to the gateway's audience, which proves the call comes from
 * Grafana; the person travels as Grafana's signed ID token. Provisioning (provisioning/plugins/app.yaml)
 * can set both instead.
 */
import type { AppPluginMeta, PluginConfigPageProps } from '@grafana/data';
import { getBackendSrv } from '@grafana/runtime';
import { Alert, Button, Field, Input, SecretInput } from '@grafana/ui';
import React, { useState } from 'react';
import { lastValueFrom } from 'rxjs';
import { saveErrorText } from './saveError';

export interface AppSettings {
  gatewayUrl?: string;
  [key: string]: unknown;
}

export function AppConfig({ plugin }: PluginConfigPageProps<AppPluginMeta<AppSettings>>) {
  const meta = plugin.meta;
  const [gatewayUrl, setGatewayUrl] = useState(meta.jsonData?.gatewayUrl ?? '');
  const [token, setToken] = useState('');
  const [tokenSet, setTokenSet] = useState(Boolean(meta.secureJsonFields?.['gatewayToken']));
  const [message, setMessage] = useState<{ ok: boolean; text: string }>();

  const save = async () => {
    try {
      await lastValueFrom(
        getBackendSrv().fetch({
          url: `api/plugins/${meta.id}/settings`,
          method: 'POST',
          data: {
            enabled: true,
            pinned: false,
            jsonData: { ...meta.jsonData, gatewayUrl: gatewayUrl.trim() },
            ...(token !== '' ? { secureJsonData: { gatewayToken: token } } : {}),
          },
          showErrorAlert: false,
        }),
      );
      if (token !== '') setTokenSet(true);
      setToken('');
      setMessage({ ok: true, text: 'Saved.' });
    } catch (error) {
      // Never the error object: Grafana's fetch error carries the request, token included.
      setMessage({ ok: false, text: saveErrorText(error, [token]) });
    }
  };

  return (
    <div>
      <Field
        label="Gateway URL"
        description="The flink-autoscaler gateway inside the cluster, as Grafana's server reaches it."
      >
        <Input
          value={gatewayUrl}
          placeholder="https://flink-autoscaler-gateway.flink-autoscaler.svc"
          onChange={(e) => setGatewayUrl(e.currentTarget.value)}
        />
      </Field>
      <Field
        label="Kubernetes token"
        description="Grafana's ServiceAccount token for the gateway's audience (kubectl create token … --audience flink-autoscaler-gateway, or a projected token file); Grafana adds it server-side. It proves the call comes from Grafana: the person's own Kubernetes rights decide."
      >
        <SecretInput
          isConfigured={tokenSet}
          value={token}
          onReset={() => setTokenSet(false)}
          onChange={(e) => setToken(e.currentTarget.value)}
        />
      </Field>
      <Button onClick={() => void save()}>Save</Button>
      {message && <Alert severity={message.ok ? 'success' : 'error'} title={message.text} />}
    </div>
  );
}
