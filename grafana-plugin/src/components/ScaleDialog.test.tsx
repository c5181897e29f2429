import { setBackendSrv, type BackendSrv, type BackendSrvRequest, type FetchResponse } from '@grafana/runtime';
import { fireEvent, render, screen, waitFor } from '@testing-library/react';
import React from 'react';
import { of, throwError } from 'rxjs';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { BUSY, NAME, NS, jobFrames, panelProps } from '../../tests/fixtures';
import { TEST_IDS } from '../testIds';
import { FlinkAutoscalerPanel } from './FlinkAutoscalerPanel';

const fetch = vi.fn<(options: BackendSrvRequest) => ReturnType<BackendSrv['fetch']>>();
beforeEach(() => {
  fetch.mockReset();
  setBackendSrv({ fetch } as unknown as BackendSrv);
});

function openDialog(options = {}) {
  render(<FlinkAutoscalerPanel {...panelProps(jobFrames(BUSY), options)} />);
  fireEvent.click(screen.getByTestId(TEST_IDS.scaleButton));
  return screen.getByTestId(TEST_IDS.dialog);
}

/** A 200 answer as BackendSrv.fetch gives it. */
const answer = (data: unknown) => of({ data, status: 200 } as FetchResponse);

const type = (id: string, value: string) => fireEvent.change(screen.getByTestId(id), { target: { value } });

describe('the "Scale to N" dialog', () => {
  it('proposes the desired count and shows what it would do, by the shared policy model', () => {
    openDialog();
    expect(screen.getByTestId(TEST_IDS.replicas)).toHaveValue(6);
    const projection = screen.getByTestId(TEST_IDS.projection);
    // 4 workers at 95 % → 6: 4·0.95/6 = 63.3 %; capacity 1000·6/4 = 1500/s drains 150,000 in 300 s.
    expect(projection).toHaveTextContent('With 6 workers:');
    expect(projection).toHaveTextContent("CPU about 63.3 % for today's work (now 95 %)");
    expect(projection).toHaveTextContent('Backlog drains in about 5 min (backlog time now 2.5 min)');
    expect(projection).toHaveTextContent('After the hold the policy would scale down to 5 workers (cpu-low)');
  });

  it('updates the projection as N changes, and warns when N is outside the bounds or too small', () => {
    openDialog();
    type(TEST_IDS.replicas, '4');
    expect(screen.getByTestId(TEST_IDS.projection)).toHaveTextContent('Backlog: would never drain');
    type(TEST_IDS.replicas, '25');
    expect(screen.getByTestId(TEST_IDS.projection)).toHaveTextContent('The sidecar will refuse 25');
    expect(screen.getByTestId(TEST_IDS.projection)).toHaveTextContent('the sidecar allows 1 to 20 workers');
  });

  it('needs a reason before it sends anything', () => {
    openDialog();
    expect(screen.getByTestId(TEST_IDS.confirm)).toBeDisabled();
    type(TEST_IDS.reason, '   ');
    expect(screen.getByTestId(TEST_IDS.confirm)).toBeDisabled();
    expect(fetch).not.toHaveBeenCalled();
  });

  it('POSTs replicas, reason and hold to the gateway path through Grafana’s proxy and shows the answer', async () => {
    fetch.mockReturnValue(
      answer({
        from: 4,
        to: 7,
        holdUntil: Date.UTC(2026, 5, 1, 13),
        dryRun: false,
        user: 'system:serviceaccount:monitoring:grafana',
      }),
    );
    openDialog();
    type(TEST_IDS.replicas, '7');
    type(TEST_IDS.reason, 'incident 42');
    type(TEST_IDS.hold, '45');
    fireEvent.click(screen.getByTestId(TEST_IDS.confirm));
    await waitFor(() => expect(screen.getByTestId(TEST_IDS.result)).toBeInTheDocument());
    expect(fetch).toHaveBeenCalledTimes(1);
    const request = fetch.mock.calls[0]?.[0];
    expect(request?.url).toBe(
      `api/plugin-proxy/fas-flinkautoscaler-app/gateway/api/v1/namespaces/${NS}/flinkdeployments/${NAME}/scale`,
    );
    expect(request?.method).toBe('POST');
    expect(request?.data).toEqual({ replicas: 7, reason: 'incident 42', holdSeconds: 2700 });
    expect(request?.showErrorAlert).toBe(false);
    expect(JSON.stringify(request)).not.toMatch(/authorization|bearer|token/i);
    expect(screen.getByTestId(TEST_IDS.result)).toHaveTextContent(
      '4 → 7 workers, by system:serviceaccount:monitoring:grafana',
    );
    expect(screen.getByTestId(TEST_IDS.confirm)).toBeDisabled();
  });

  it('uses a data source proxy path when the option names one', async () => {
    fetch.mockReturnValue(answer({ from: 4, to: 6, holdUntil: 0, dryRun: false, user: 'u' }));
    openDialog({ scaleApiPath: '/api/datasources/proxy/uid/fas-gateway/' });
    type(TEST_IDS.reason, 'why');
    fireEvent.click(screen.getByTestId(TEST_IDS.confirm));
    await waitFor(() => expect(fetch).toHaveBeenCalled());
    expect(fetch.mock.calls[0]?.[0].url).toBe(
      `api/datasources/proxy/uid/fas-gateway/api/v1/namespaces/${NS}/flinkdeployments/${NAME}/scale`,
    );
  });

  it('shows the sidecar’s error message (a 403 from its SubjectAccessReview)', async () => {
    const body = {
      error: { status: 403, reason: 'forbidden', message: 'alice may not update flinkdeployments/scale' },
    };
    fetch.mockReturnValue(
      throwError(() => ({ status: 403, statusText: 'Forbidden', data: body, config: {} })),
    );
    openDialog();
    type(TEST_IDS.reason, 'try');
    fireEvent.click(screen.getByTestId(TEST_IDS.confirm));
    const error = await screen.findByTestId(TEST_IDS.error);
    expect(error).toHaveTextContent('403: alice may not update flinkdeployments/scale');
    expect(screen.getByTestId(TEST_IDS.confirm)).toBeEnabled();
  });

  it('shows Grafana’s own refusal (the proxy route’s role check) and a proxy without answer', async () => {
    fetch.mockReturnValueOnce(
      throwError(() => ({ status: 403, data: { message: 'plugin proxy route access denied' }, config: {} })),
    );
    openDialog();
    type(TEST_IDS.reason, 'try');
    fireEvent.click(screen.getByTestId(TEST_IDS.confirm));
    expect(await screen.findByTestId(TEST_IDS.error)).toHaveTextContent(
      '403: plugin proxy route access denied',
    );
    fetch.mockReturnValueOnce(
      throwError(() => ({ status: 502, statusText: 'Bad Gateway', data: '', config: {} })),
    );
    fireEvent.click(screen.getByTestId(TEST_IDS.confirm));
    await waitFor(() => expect(screen.getByTestId(TEST_IDS.error)).toHaveTextContent('502: Bad Gateway'));
  });

  it('refuses a scale API path that would leave Grafana, without calling anything', async () => {
    openDialog({ scaleApiPath: 'http://gateway.flink-autoscaler.svc:8080' });
    type(TEST_IDS.reason, 'why');
    fireEvent.click(screen.getByTestId(TEST_IDS.confirm));
    expect(await screen.findByTestId(TEST_IDS.error)).toHaveTextContent('must be a Grafana path');
    expect(fetch).not.toHaveBeenCalled();
  });
});
