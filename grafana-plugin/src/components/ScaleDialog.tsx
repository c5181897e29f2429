/**
 * The "Scale to N" confirm dialog: who the gateway thinks the person is and whether they may scale, what N
 * workers would do (the shared policy's model, in the browser), a reason and a hold, then the request
 * through Grafana's proxy, and the server's answer or its refusal in words.
 */
import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { Alert, Button, Field, Input, Modal, useStyles2 } from '@grafana/ui';
import React, { useMemo, useRef, useState } from 'react';
import { GatewayError } from '../api/gateway';
import type { ScaleRole } from '../api/role';
import { requestScale, type ScaleAnswer } from '../api/scale';
import type { JobId } from '../data/frames';
import { formatDuration, formatPercent, formatRate, formatTime } from '../data/format';
import type { Snapshot } from '../data/snapshot';
import { project, type Projection } from '../policy/projection';
import { TEST_IDS } from '../testIds';
import { viewerText } from './ScaleButton';
import { accessText, mayClick, type AccessState } from './useScaleAccess';

export interface ScaleDialogProps {
  job: JobId;
  snapshot: Snapshot;
  apiPath: string;
  holdMinutes: number;
  role: ScaleRole;
  /** The gateway's answer to "may I scale?" (GET …/scale/access). */
  access: AccessState;
  /** Called after the gateway or Grafana refused the scale, to ask again. */
  onRefused?: () => void;
  onDismiss: () => void;
}

type Sent =
  | { state: 'idle' }
  | { state: 'sending' }
  | { state: 'done'; answer: ScaleAnswer }
  | { state: 'failed'; error: GatewayError };

function proposal(s: Snapshot): number {
  return s.desired ?? s.workers ?? Math.max(1, s.thresholds.minWorkers.value);
}

function ProjectionView({ p, s }: { p: Projection; s: Snapshot }) {
  const styles = useStyles2(getStyles);
  const lines: string[] = [];
  if (p.cpu !== undefined) {
    lines.push(
      `CPU about ${formatPercent(p.cpu)} for today's work (now ${s.cpu === undefined ? '?' : formatPercent(s.cpu)}).`,
    );
  } else lines.push('CPU: unknown (no CPU or worker count in the data).');
  if (p.drainSeconds === undefined) lines.push('Backlog: unknown (no throughput or backlog in the data).');
  else if (p.drainSeconds === 0) lines.push('Backlog: none to drain.');
  else if (!Number.isFinite(p.drainSeconds)) {
    const growth = p.growth === undefined ? '' : ` by about ${formatRate(p.growth, s.unit)}`;
    lines.push(`Backlog: would never drain; it would keep growing${growth}.`);
  } else {
    const now = s.backlogTime === undefined ? '' : ` (backlog time now ${formatDuration(s.backlogTime)})`;
    lines.push(`Backlog drains in about ${formatDuration(p.drainSeconds)}${now}.`);
  }
  if (p.after) {
    lines.push(
      p.after.action === 'none'
        ? `After the hold the policy would keep ${p.workers} workers.`
        : `After the hold the policy would ${p.after.action.replace('-', ' ')} to ${p.after.desiredWorkers} workers (${p.after.reasons.join(', ')}).`,
    );
  }
  return (
    <div className={styles.projection} data-testid={TEST_IDS.projection}>
      <strong>With {p.workers} workers:</strong>
      <ul className={styles.list}>
        {lines.map((line) => (
          <li key={line}>{line}</li>
        ))}
      </ul>
      {p.outOfBounds !== undefined && (
        <Alert severity="warning" title={`The sidecar will refuse ${p.workers}`}>
          {p.outOfBounds}.
        </Alert>
      )}
    </div>
  );
}

function answerText(a: ScaleAnswer): string {
  const until = Date.parse(a.holdUntil);
  const hold = Number.isNaN(until) ? a.holdUntil : formatTime(until);
  return a.dryRun
    ? `${a.from} → ${a.to} workers would be allowed for ${a.by}; nothing was changed.`
    : `${a.from} → ${a.to} workers, by ${a.by}; the policy holds until ${hold}.`;
}

function failedTitle(e: GatewayError): string {
  if (e.reason === 'forbidden' || e.reason === 'grafana') return 'Not allowed: nothing was changed';
  if (e.reason === 'conflict') return 'Someone else changed the job: nothing was changed';
  if (e.reason === 'throttled') return 'Too many requests: nothing was changed';
  return 'The scale was not done';
}

/** Who the gateway thinks the person is, and whether they may scale, before the click. */
function AccessView({ role, access }: { role: ScaleRole; access: AccessState }) {
  const allowed = role === 'editor' && mayClick(access);
  const text = role === 'editor' ? accessText(access) : viewerText(access);
  if (allowed && access.state === 'known') {
    return (
      <p data-testid={TEST_IDS.dialogAccess} data-allowed="true">
        {`You scale as ${access.access.user}: Kubernetes allows ${access.access.permission}.`}
      </p>
    );
  }
  return (
    <Alert
      severity={allowed ? 'info' : 'warning'}
      title={allowed ? 'Your rights are not known yet' : 'You may not scale this job'}
      data-testid={TEST_IDS.dialogAccess}
      data-allowed={allowed ? 'true' : 'false'}
    >
      {text}
    </Alert>
  );
}

export function ScaleDialog({
  job,
  snapshot,
  apiPath,
  holdMinutes,
  role,
  access,
  onRefused,
  onDismiss,
}: ScaleDialogProps) {
  const styles = useStyles2(getStyles);
  const [replicasText, setReplicasText] = useState(String(proposal(snapshot)));
  const [reason, setReason] = useState('');
  const [holdText, setHoldText] = useState(String(holdMinutes));
  const [sent, setSent] = useState<Sent>({ state: 'idle' });
  // The confirm button is disabled while sending and after a scale: focus goes to Cancel/Close first,
  // so the keyboard stays in the dialog.
  const dismissRef = useRef<HTMLButtonElement>(null);
  const replicas = Number(replicasText);
  const hold = Number(holdText);
  const replicasOk = Number.isInteger(replicas) && replicas >= 1;
  const holdOk = Number.isFinite(hold) && hold >= 0 && hold <= 1440;
  const projection = useMemo(
    () => (replicasOk ? project(snapshot, replicas) : undefined),
    [snapshot, replicas, replicasOk],
  );
  const allowed = role === 'editor' && mayClick(access);
  const refusal = role === 'editor' ? accessText(access) : viewerText(access);
  const reasonOk = reason.trim() !== '' && reason.trim().length <= 1024;
  const ready =
    allowed && replicasOk && holdOk && reasonOk && sent.state !== 'sending' && sent.state !== 'done';
  const name = `${job.namespace}/${job.flinkdeployment}`;

  const send = async () => {
    dismissRef.current?.focus();
    setSent({ state: 'sending' });
    try {
      const answer = await requestScale(apiPath, job, {
        replicas,
        reason: reason.trim(),
        holdSeconds: Math.round(hold * 60),
      });
      setSent({ state: 'done', answer });
    } catch (error) {
      const e = error instanceof GatewayError ? error : new GatewayError(String(error));
      setSent({ state: 'failed', error: e });
      if (e.status === 401 || e.status === 403) onRefused?.();
    }
  };

  return (
    <Modal title={`Scale ${name}`} isOpen onDismiss={onDismiss} className={styles.modal}>
      <div className={styles.body} data-testid={TEST_IDS.dialog}>
        <AccessView role={role} access={access} />
        <Field
          label="Workers (TaskManagers)"
          invalid={!replicasOk}
          error={replicasOk ? undefined : 'a whole number ≥ 1'}
        >
          <Input
            type="number"
            min={1}
            value={replicasText}
            onChange={(e) => setReplicasText(e.currentTarget.value)}
            data-testid={TEST_IDS.replicas}
          />
        </Field>
        {projection && <ProjectionView p={projection} s={snapshot} />}
        <Field label="Reason" description="Recorded with your name in the FlinkDeployment's Events.">
          <Input
            value={reason}
            maxLength={1024}
            placeholder="incident 123: backlog after the outage"
            onChange={(e) => setReason(e.currentTarget.value)}
            data-testid={TEST_IDS.reason}
          />
        </Field>
        <Field
          label="Hold (minutes)"
          description="The policy pauses this long after the scale (at most 24 hours)."
          invalid={!holdOk}
        >
          <Input
            type="number"
            min={0}
            value={holdText}
            onChange={(e) => setHoldText(e.currentTarget.value)}
            data-testid={TEST_IDS.hold}
          />
        </Field>
        {sent.state === 'done' && (
          <Alert
            severity="success"
            title={sent.answer.dryRun ? 'Checked (dry run)' : 'Scale requested'}
            data-testid={TEST_IDS.result}
          >
            {answerText(sent.answer)}
          </Alert>
        )}
        {sent.state === 'failed' && (
          <Alert severity="error" title={failedTitle(sent.error)} data-testid={TEST_IDS.error}>
            {sent.error.message}
          </Alert>
        )}
      </div>
      <Modal.ButtonRow>
        <Button variant="secondary" fill="outline" onClick={onDismiss} ref={dismissRef}>
          {sent.state === 'done' ? 'Close' : 'Cancel'}
        </Button>
        <Button
          variant="primary"
          disabled={!ready}
          tooltip={allowed ? undefined : refusal}
          onClick={() => void send()}
          data-testid={TEST_IDS.confirm}
        >
          {sent.state === 'sending' ? 'Sending…' : replicasOk ? `Scale to ${replicas}` : 'Scale'}
        </Button>
      </Modal.ButtonRow>
    </Modal>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  // Grafana's Modal sets its own width from the theme; only cap it on narrow screens.
  // Border-box throughout, as in Grafana's global styles, so the content's padding stays inside the dialog.
  modal: css({
    width: 'min(560px, calc(100vw - 32px))',
    maxWidth: '100%',
    '&, & *, & *::before, & *::after': { boxSizing: 'border-box' },
  }),
  // Every child within the dialog's content box: fields, inputs and the preview never wider than it.
  body: css({
    minWidth: 0,
    maxWidth: '100%',
    overflowWrap: 'anywhere',
    '& *': { boxSizing: 'border-box' },
    '& input': { maxWidth: '100%' },
  }),
  projection: css({
    boxSizing: 'border-box',
    width: '100%',
    marginBottom: theme.spacing(2),
    padding: theme.spacing(1),
    background: theme.colors.background.secondary,
    borderRadius: theme.shape.radius.default,
  }),
  list: css({ margin: theme.spacing(0.5, 0, 0, 0), paddingLeft: theme.spacing(2) }),
});
