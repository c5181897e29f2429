/**
 * The app's settings page (app/src/components/AppConfig.tsx): a failed save is shown as Grafana's status
 * and message, never as the request that caused it. Grafana's fetch error carries that request
 * (`config.data`), and the request carries the gateway token in `secureJsonData`.
 */
import type { AppPluginMeta, PluginConfigPageProps } from '@grafana/data';
import { setBackendSrv, type BackendSrv, type BackendSrvRequest } from '@grafana/runtime';
import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import React from 'react';
import { throwError } from 'rxjs';
import { describe, expect, it, vi } from 'vitest';
import { AppConfig, type AppSettings } from '../app/src/components/AppConfig';

const TOKEN = 'eyJhbGciOiJSUzI1NiJ9.c2VjcmV0LWdhdGV3YXktdG9rZW4.sig-7f3a9c';

function props(): PluginConfigPageProps<AppPluginMeta<AppSettings>> {
  const meta = {
    id: 'fas-flinkautoscaler-app',
    jsonData: { gatewayUrl: 'https://gateway.flink-autoscaler.svc' },
    secureJsonFields: {},
  } as unknown as AppPluginMeta<AppSettings>;
  return { plugin: { meta } as never, query: {} as never };
}

/** Grafana's BackendSrv failing the save the way it does: a FetchError that keeps the request. */
function failingSave(error: (request: BackendSrvRequest) => unknown) {
  const fetch = vi.fn((request: BackendSrvRequest) => throwError(() => error(request)));
  setBackendSrv({ fetch } as unknown as BackendSrv);
  return fetch;
}

async function saveWithToken(): Promise<HTMLElement> {
  const user = userEvent.setup();
  const { container } = render(<AppConfig {...props()} />);
  const secret = container.querySelector<HTMLInputElement>('input[type="password"]');
  expect(secret).not.toBeNull();
  await user.type(secret!, TOKEN);
  await user.click(screen.getByRole('button', { name: 'Save' }));
  await screen.findByRole('alert');
  return container;
}

describe('the app settings page, when a save fails', () => {
  it('shows the status and Grafana message, not the request body with the token', async () => {
    const fetch = failingSave((request) => ({
      status: 500,
      statusText: 'Internal Server Error',
      data: { message: 'Failed to update plugin settings', traceID: '00f3' },
      config: request,
      isHandled: false,
    }));
    const page = await saveWithToken();
    // The request did carry the token (what the error echoes back).
    const sent = fetch.mock.calls[0]?.[0].data as { secureJsonData?: { gatewayToken?: string } };
    expect(sent.secureJsonData?.gatewayToken).toBe(TOKEN);
    expect(page.textContent).not.toContain(TOKEN);
    expect(page.textContent).not.toContain('secureJsonData');
    expect(page).toHaveTextContent(
      'The settings could not be saved: 500 Internal Server Error: Failed to update plugin settings',
    );
  });

  it('never shows the token even when the server echoes it in its message', async () => {
    failingSave((request) => ({
      status: 400,
      statusText: 'Bad Request',
      data: { message: `invalid secureJsonData: ${TOKEN}` },
      config: request,
    }));
    const page = await saveWithToken();
    expect(page.textContent).not.toContain(TOKEN);
    expect(page).toHaveTextContent('400 Bad Request: invalid secureJsonData: ••••••');
  });

  it('says Grafana could not be reached when the error has no status', async () => {
    failingSave((request) => ({ status: 0, statusText: '', data: undefined, config: request }));
    const page = await saveWithToken();
    expect(page.textContent).not.toContain(TOKEN);
    expect(page).toHaveTextContent('The settings could not be saved: no answer from Grafana');
  });

  it('shows a thrown Error by its message only', async () => {
    failingSave(() => Object.assign(new Error('socket hang up'), { config: { data: TOKEN } }));
    const page = await saveWithToken();
    expect(page.textContent).not.toContain(TOKEN);
    expect(page).toHaveTextContent('The settings could not be saved: socket hang up');
  });
});
