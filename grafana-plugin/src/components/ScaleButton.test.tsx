import { OrgRole } from '@grafana/data';
import { config } from '@grafana/runtime';
import { render, screen, waitFor } from '@testing-library/react';
import React from 'react';
import { afterEach, describe, expect, it } from 'vitest';
import { jobFrames, panelProps } from '../../tests/fixtures';
import { ALLOWED, DENIED, mockGateway } from '../../tests/gateway-mock';
import { TEST_IDS } from '../testIds';
import { FlinkAutoscalerPanel } from './FlinkAutoscalerPanel';

afterEach(() => {
  config.bootData.user.orgRole = OrgRole.Editor;
  config.bootData.user.isSignedIn = true;
});

async function settled() {
  render(<FlinkAutoscalerPanel {...panelProps(jobFrames())} />);
  const text = screen.getByTestId(TEST_IDS.scaleAccess);
  await waitFor(() => expect(text).not.toHaveTextContent('Checking'));
  return { button: screen.getByTestId(TEST_IDS.scaleButton), text };
}

describe('"Scale to N" in the panel, before the click', () => {
  it('is offered to an editor Kubernetes allows, and says who the gateway thinks they are', async () => {
    const fetch = mockGateway({ access: { data: ALLOWED } });
    const { button, text } = await settled();
    expect(button).toHaveAttribute('data-allowed', 'true');
    expect(text).toHaveTextContent('as grafana:alice');
    expect(fetch).toHaveBeenCalledTimes(1);
    expect(fetch.mock.calls[0]?.[0].method).toBe('GET');
  });

  it('says why, for a person Kubernetes does not allow', async () => {
    mockGateway({ access: { data: DENIED } });
    const { button, text } = await settled();
    expect(button).toHaveAttribute('data-allowed', 'false');
    expect(text).toHaveTextContent(
      'You (grafana:bob) may not scale this job: that needs update flinkdeployments/scale (flink.apache.org) on streaming/clickstream.',
    );
  });

  it('says why, when the gateway does not know who asks (no ID token forwarded)', async () => {
    mockGateway({
      access: {
        status: 401,
        data: { error: { status: 401, reason: 'unauthenticated', message: 'no X-Grafana-Id from Grafana' } },
      },
    });
    const { button, text } = await settled();
    expect(button).toHaveAttribute('data-allowed', 'false');
    expect(text).toHaveTextContent(
      'The gateway does not know who is asking (401: no X-Grafana-Id from Grafana)',
    );
  });

  it('stays offered when the check had no answer: the gateway decides at the click', async () => {
    mockGateway({ access: { status: 502, statusText: 'Bad Gateway', data: '' } });
    const { button, text } = await settled();
    expect(button).toHaveAttribute('data-allowed', 'true');
    expect(text).toHaveTextContent('Could not check your rights (Grafana could not reach the gateway');
  });

  it('says a viewer needs Editor, whatever Kubernetes allows, and still says who they are', async () => {
    config.bootData.user.orgRole = OrgRole.Viewer;
    mockGateway({ access: { data: ALLOWED } });
    render(<FlinkAutoscalerPanel {...panelProps(jobFrames())} />);
    const text = screen.getByTestId(TEST_IDS.scaleAccess);
    await waitFor(() => expect(text).toHaveTextContent('The gateway knows you as grafana:alice.'));
    expect(text).toHaveTextContent('Scaling through Grafana needs the Editor role (you are Viewer).');
    expect(screen.getByTestId(TEST_IDS.scaleButton)).toHaveAttribute('data-allowed', 'false');
  });

  it('is not offered when the option is off or nobody is signed in, and asks nothing then', () => {
    const fetch = mockGateway({});
    const off = render(<FlinkAutoscalerPanel {...panelProps(jobFrames(), { scaleEnabled: false })} />);
    expect(screen.queryByTestId(TEST_IDS.scaleButton)).toBeNull();
    off.unmount();
    config.bootData.user.isSignedIn = false;
    render(<FlinkAutoscalerPanel {...panelProps(jobFrames())} />);
    expect(screen.queryByTestId(TEST_IDS.scaleButton)).toBeNull();
    expect(fetch).not.toHaveBeenCalled();
  });
});
