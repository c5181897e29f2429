/**
 * The dialog for keyboard users and at small sizes: focus stays in the dialog after a scale (the focused
 * confirm button becomes disabled), its button is Grafana's primary button, and the dialog opens from a
 * panel of 360×240.
 */
import { Button } from '@grafana/ui';
import { render, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import React from 'react';
import { describe, expect, it } from 'vitest';
import { BUSY, jobFrames, panelProps } from '../../tests/fixtures';
import { FORBIDDEN, mockGateway } from '../../tests/gateway-mock';
import { TEST_IDS } from '../testIds';
import { FlinkAutoscalerPanel } from './FlinkAutoscalerPanel';

async function openDialog(size?: { width: number; height: number }) {
  const user = userEvent.setup();
  render(<FlinkAutoscalerPanel {...panelProps(jobFrames(BUSY), {}, size)} />);
  await waitFor(() =>
    expect(screen.getByTestId(TEST_IDS.scaleButton)).toHaveAttribute('data-allowed', 'true'),
  );
  await user.click(screen.getByTestId(TEST_IDS.scaleButton));
  await user.type(screen.getByTestId(TEST_IDS.reason), 'incident 42');
  return { user, dialog: screen.getByRole('dialog') };
}

function expectFocusInDialog(dialog: HTMLElement) {
  const focused = document.activeElement as HTMLElement | null;
  expect(focused).not.toBeNull();
  expect(dialog.contains(focused), `focus on ${focused?.outerHTML.slice(0, 80)}`).toBe(true);
  expect(focused).not.toBeDisabled();
}

describe('the "Scale to N" dialog for keyboard users', () => {
  it('keeps focus in the dialog, on an enabled control, after a scale', async () => {
    const holdUntil = new Date(Date.UTC(2026, 5, 1, 13)).toISOString();
    mockGateway({ scale: { data: { from: 4, to: 6, holdUntil, by: 'grafana:alice', dryRun: false } } });
    const { user, dialog } = await openDialog();
    await user.click(screen.getByTestId(TEST_IDS.confirm));
    await screen.findByTestId(TEST_IDS.result);
    expect(screen.getByTestId(TEST_IDS.confirm)).toBeDisabled();
    expectFocusInDialog(dialog);
    expect(document.activeElement).toHaveTextContent('Close');
    // Enter on the focused control closes the dialog, as a keyboard user expects.
    await user.keyboard('{Enter}');
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
  });

  it('keeps focus in the dialog after a refusal, and the confirm button is reachable again', async () => {
    mockGateway({ scale: FORBIDDEN });
    const { user, dialog } = await openDialog();
    await user.click(screen.getByTestId(TEST_IDS.confirm));
    await screen.findByTestId(TEST_IDS.error);
    expectFocusInDialog(dialog);
  });

  it("uses Grafana's primary button for Scale to N", async () => {
    mockGateway({});
    await openDialog();
    const confirm = screen.getByTestId(TEST_IDS.confirm);
    expect(confirm).toBeEnabled();
    render(<Button variant="primary">reference</Button>);
    const primary = screen.getByRole('button', { name: 'reference' });
    expect(confirm.className).toBe(primary.className);
  });

  it('opens from a 360×240 panel with every field and the preview inside the dialog', async () => {
    mockGateway({});
    const { dialog } = await openDialog({ width: 360, height: 240 });
    for (const id of [TEST_IDS.replicas, TEST_IDS.reason, TEST_IDS.hold, TEST_IDS.projection])
      expect(dialog.contains(screen.getByTestId(id)), id).toBe(true);
  });
});
