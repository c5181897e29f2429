import { fireEvent, render, screen, waitFor } from '@testing-library/react';
import React from 'react';
import { describe, expect, it } from 'vitest';
import { BUSY, NAME, NS, jobFrames, panelProps } from '../../tests/fixtures';
import { DENIED, FORBIDDEN, mockGateway, type Answer } from '../../tests/gateway-mock';
import { TEST_IDS } from '../testIds';
import { FlinkAutoscalerPanel } from './FlinkAutoscalerPanel';

const BASE = `api/plugin-proxy/fas-flinkautoscaler-app/gateway/api/v1/namespaces/${NS}/flinkdeployments/${NAME}`;

async function openDialog(options = {}) {
  render(<FlinkAutoscalerPanel {...panelProps(jobFrames(BUSY), options)} />);
  await waitFor(() =>
    expect(screen.getByTestId(TEST_IDS.scaleButton)).toHaveAttribute('data-allowed', 'true'),
  );
  fireEvent.click(screen.getByTestId(TEST_IDS.scaleButton));
  return screen.getByTestId(TEST_IDS.dialog);
}

const type = (id: string, value: string) => fireEvent.change(screen.getByTestId(id), { target: { value } });

async function scaleWith(answer: Answer | Answer[], reason = 'try') {
  const fetch = mockGateway({ scale: answer });
  await openDialog();
  type(TEST_IDS.reason, reason);
  fireEvent.click(screen.getByTestId(TEST_IDS.confirm));
  return { fetch, error: await screen.findByTestId(TEST_IDS.error) };
}

describe('the "Scale to N" dialog', () => {
  it('says who the gateway thinks you are, and proposes the desired count with what it would do', async () => {
    mockGateway({});
    await openDialog();
    expect(screen.getByTestId(TEST_IDS.dialogAccess)).toHaveTextContent(
      'You scale as grafana:alice: Kubernetes allows update flinkdeployments/scale (flink.apache.org) on streaming/clickstream.',
    );
    expect(screen.getByTestId(TEST_IDS.replicas)).toHaveValue(6);
    const projection = screen.getByTestId(TEST_IDS.projection);
    // 4 workers at 95 % → 6: 4·0.95/6 = 63.3 %; capacity 1000·6/4 = 1500/s drains 150,000 in 300 s.
    expect(projection).toHaveTextContent('With 6 workers:');
    expect(projection).toHaveTextContent("CPU about 63.3 % for today's work (now 95 %)");
    expect(projection).toHaveTextContent('Backlog drains in about 5 min (backlog time now 2.5 min)');
    expect(projection).toHaveTextContent('After the hold the policy would scale down to 5 workers (cpu-low)');
  });

  it('updates the projection as N changes, and warns when N is outside the bounds or too small', async () => {
    mockGateway({});
    await openDialog();
    type(TEST_IDS.replicas, '4');
    expect(screen.getByTestId(TEST_IDS.projection)).toHaveTextContent('Backlog: would never drain');
    type(TEST_IDS.replicas, '25');
    expect(screen.getByTestId(TEST_IDS.projection)).toHaveTextContent('The sidecar will refuse 25');
    expect(screen.getByTestId(TEST_IDS.projection)).toHaveTextContent('the sidecar allows 1 to 20 workers');
  });

  it('needs a reason and a hold of at most a day before it sends anything', async () => {
    const fetch = mockGateway({});
    await openDialog();
    expect(screen.getByTestId(TEST_IDS.confirm)).toBeDisabled();
    type(TEST_IDS.reason, '   ');
    expect(screen.getByTestId(TEST_IDS.confirm)).toBeDisabled();
    type(TEST_IDS.reason, 'why');
    type(TEST_IDS.hold, '1441');
    expect(screen.getByTestId(TEST_IDS.confirm)).toBeDisabled();
    type(TEST_IDS.hold, '1440');
    expect(screen.getByTestId(TEST_IDS.confirm)).toBeEnabled();
    expect(fetch.mock.calls.map(([r]) => r.method)).toEqual(['GET']);
  });

  it('POSTs replicas, reason and hold to the gateway through Grafana’s proxy and shows the answer', async () => {
    const holdUntil = new Date(Date.UTC(2026, 5, 1, 13)).toISOString();
    const fetch = mockGateway({
      scale: { data: { from: 4, to: 7, holdUntil, by: 'grafana:alice', dryRun: false } },
    });
    await openDialog();
    type(TEST_IDS.replicas, '7');
    type(TEST_IDS.reason, 'incident 42');
    type(TEST_IDS.hold, '45');
    fireEvent.click(screen.getByTestId(TEST_IDS.confirm));
    await waitFor(() => expect(screen.getByTestId(TEST_IDS.result)).toBeInTheDocument());
    const posts = fetch.mock.calls.map(([r]) => r).filter((r) => r.method === 'POST');
    expect(posts).toHaveLength(1);
    expect(posts[0]?.url).toBe(`${BASE}/scale`);
    expect(posts[0]?.data).toEqual({ replicas: 7, reason: 'incident 42', holdSeconds: 2700 });
    expect(posts[0]?.showErrorAlert).toBe(false);
    expect(JSON.stringify(fetch.mock.calls)).not.toMatch(/authorization|bearer|token/i);
    expect(screen.getByTestId(TEST_IDS.result)).toHaveTextContent('4 → 7 workers, by grafana:alice');
    expect(screen.getByTestId(TEST_IDS.confirm)).toBeDisabled();
  });

  it('shows a person Kubernetes does not allow the refusal, and cannot send', async () => {
    const fetch = mockGateway({ access: { data: DENIED } });
    render(<FlinkAutoscalerPanel {...panelProps(jobFrames(BUSY))} />);
    await waitFor(() =>
      expect(screen.getByTestId(TEST_IDS.scaleButton)).toHaveAttribute('data-allowed', 'false'),
    );
    fireEvent.click(screen.getByTestId(TEST_IDS.scaleButton));
    const refusal = screen.getByTestId(TEST_IDS.dialogAccess);
    expect(refusal).toHaveTextContent('You may not scale this job');
    expect(refusal).toHaveTextContent(
      'You (grafana:bob) may not scale this job: that needs update flinkdeployments/scale (flink.apache.org) on streaming/clickstream.',
    );
    // What N workers would do is still shown.
    expect(screen.getByTestId(TEST_IDS.projection)).toHaveTextContent('With 6 workers:');
    type(TEST_IDS.reason, 'why');
    // Disabled with a tooltip is aria-disabled (Grafana's Button): a click does nothing.
    expect(screen.getByTestId(TEST_IDS.confirm)).toHaveAttribute('aria-disabled', 'true');
    fireEvent.click(screen.getByTestId(TEST_IDS.confirm));
    expect(fetch.mock.calls.map(([r]) => r.method)).toEqual(['GET']);
  });

  it('asks the access route first, with GET, on the same Grafana path', async () => {
    const fetch = mockGateway({});
    await openDialog({ scaleApiPath: '/api/datasources/proxy/uid/fas-gateway/' });
    expect(fetch.mock.calls[0]?.[0]).toMatchObject({
      method: 'GET',
      url: `api/datasources/proxy/uid/fas-gateway/api/v1/namespaces/${NS}/flinkdeployments/${NAME}/scale/access`,
    });
  });

  it('shows the gateway’s refusal in words, naming the permission, and asks again', async () => {
    const { fetch, error } = await scaleWith(FORBIDDEN);
    expect(error).toHaveTextContent(
      'You may not scale this job: that needs update flinkdeployments/scale (flink.apache.org) on streaming/clickstream.',
    );
    expect(error).toHaveTextContent('403: grafana:bob may not update flinkdeployments/scale');
    expect(screen.getByText('Not allowed: nothing was changed')).toBeInTheDocument();
    // The refusal makes the panel ask the access route again.
    await waitFor(() => expect(fetch.mock.calls.filter(([r]) => r.method === 'GET')).toHaveLength(2));
  });

  it('explains a conflict, throttling and an unreachable Kubernetes, and allows a retry', async () => {
    const conflict = {
      status: 409,
      data: { error: { status: 409, reason: 'conflict', message: 'the FlinkDeployment changed' } },
    };
    const throttled = {
      status: 429,
      data: { error: { status: 429, reason: 'throttled', message: 'too many requests' } },
    };
    const down = {
      status: 503,
      data: { error: { status: 503, reason: 'kubernetes-unavailable', message: 'connection refused' } },
    };
    const { error } = await scaleWith([conflict, throttled, down]);
    expect(error).toHaveTextContent('Nothing was changed: the job was changing');
    expect(error).toHaveTextContent('409: the FlinkDeployment changed');
    expect(screen.getByText('Someone else changed the job: nothing was changed')).toBeInTheDocument();
    expect(screen.getByTestId(TEST_IDS.confirm)).toBeEnabled();
    fireEvent.click(screen.getByTestId(TEST_IDS.confirm));
    await waitFor(() =>
      expect(screen.getByTestId(TEST_IDS.error)).toHaveTextContent(
        'Too many requests to the gateway just now',
      ),
    );
    fireEvent.click(screen.getByTestId(TEST_IDS.confirm));
    await waitFor(() =>
      expect(screen.getByTestId(TEST_IDS.error)).toHaveTextContent(
        'The gateway cannot reach Kubernetes just now',
      ),
    );
  });

  it('shows Grafana’s own refusal (the proxy route’s role check) and a proxy without answer', async () => {
    const denied = { status: 403, data: { message: 'plugin proxy route access denied' } };
    const { error } = await scaleWith([denied, { status: 502, statusText: 'Bad Gateway', data: '' }]);
    expect(error).toHaveTextContent('Grafana refused: your Grafana role may not use this route');
    fireEvent.click(screen.getByTestId(TEST_IDS.confirm));
    await waitFor(() =>
      expect(screen.getByTestId(TEST_IDS.error)).toHaveTextContent(
        'Grafana could not reach the gateway (502: Bad Gateway)',
      ),
    );
  });

  it('refuses a scale API path that would leave Grafana, without calling anything', async () => {
    const fetch = mockGateway({});
    render(
      <FlinkAutoscalerPanel
        {...panelProps(jobFrames(BUSY), { scaleApiPath: 'http://gateway.flink-autoscaler.svc:8080' })}
      />,
    );
    await waitFor(() =>
      expect(screen.getByTestId(TEST_IDS.scaleAccess)).toHaveTextContent('must be a Grafana path'),
    );
    fireEvent.click(screen.getByTestId(TEST_IDS.scaleButton));
    type(TEST_IDS.reason, 'why');
    fireEvent.click(screen.getByTestId(TEST_IDS.confirm));
    expect(await screen.findByTestId(TEST_IDS.error)).toHaveTextContent('must be a Grafana path');
    expect(fetch).not.toHaveBeenCalled();
  });
});
