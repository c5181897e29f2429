/** The head of the panel: the job, its mode, current against desired workers, the decision and why. */
import { css, cx } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { useStyles2 } from '@grafana/ui';
import React from 'react';
import type { JobId } from '../data/frames';
import type { Snapshot } from '../data/snapshot';
import { gateText, guardText, headline, modeText, reasonText } from '../policy/words';
import { TEST_IDS } from '../testIds';

export interface SummaryProps {
  job: JobId | undefined;
  snapshot: Snapshot;
  /** The scale button, when it is offered. */
  action?: React.ReactNode;
  /** Reasons as one line each, or as one run of text (small panels). */
  compact: boolean;
  /** False: the reasons only on the headline's tooltip (the compact layout, when they do not fit). */
  reasonsShown?: boolean;
  /** False: the gates and guards only on the headline's tooltip (the compact layout's last step). */
  holdShown?: boolean;
}

export function Summary({
  job,
  snapshot: s,
  action,
  compact,
  reasonsShown = true,
  holdShown = true,
}: SummaryProps) {
  const styles = useStyles2(getStyles);
  const tone = s.action === 'scale-up' ? styles.up : s.action === 'scale-down' ? styles.down : styles.steady;
  const reasons = s.reasons.map((code) => reasonText(code, s));
  const gates = s.gates.map(gateText);
  const guards = s.guards.map(guardText);
  const acting = s.action !== 'none' && s.action !== undefined;
  const note =
    acting && s.mode === 'advisor'
      ? 'advice only: advisor mode'
      : acting && guards.length > 0
        ? 'advice only: guarded'
        : undefined;
  // Small panels: the note on the tooltip (the mode's badge and the guards say it), and the reasons too
  // when the compact layout has no room for them.
  const tip = [
    compact ? note : undefined,
    reasonsShown ? undefined : reasons.join(' '),
    holdShown
      ? undefined
      : [...guards, ...(gates.length > 0 ? [`On hold: ${gates.join(' ')}`] : [])].join(' '),
  ].filter(Boolean);
  return (
    <div className={styles.summary}>
      <div className={styles.row}>
        {job && <span className={styles.job}>{`${job.namespace}/${job.flinkdeployment}`}</span>}
        <span
          className={cx(styles.badge, s.mode === 'active' ? styles.active : styles.advisor)}
          title={modeText(s.mode)}
          data-testid={TEST_IDS.mode}
        >
          {s.mode ?? 'mode ?'}
        </span>
        <span className={styles.workers} data-testid={TEST_IDS.workers}>
          {`${s.workers ?? '?'} workers · desired ${s.desired ?? '?'}`}
        </span>
        <span className={styles.spacer} />
        {action}
      </div>
      <div
        className={cx(styles.headline, compact && styles.compactHeadline, tone)}
        data-testid={TEST_IDS.headline}
        title={tip.length > 0 ? tip.join('. ') : undefined}
      >
        {headline(s)}
        {note !== undefined && !compact && <span className={styles.note}>{` (${note})`}</span>}
      </div>
      {reasons.length > 0 &&
        reasonsShown &&
        (compact ? (
          <div className={styles.reasons} data-testid={TEST_IDS.reasons}>
            {reasons.join(' ')}
          </div>
        ) : (
          <ul className={cx(styles.reasons, styles.list)} data-testid={TEST_IDS.reasons}>
            {reasons.map((r) => (
              <li key={r}>{r}</li>
            ))}
          </ul>
        ))}
      {holdShown && guards.length > 0 && (
        <ul className={cx(styles.gates, styles.list)} data-testid={TEST_IDS.guards}>
          {guards.map((g) => (
            <li key={g}>{g}</li>
          ))}
        </ul>
      )}
      {holdShown && gates.length > 0 && (
        <div className={styles.gates} data-testid={TEST_IDS.gates}>
          {`On hold: ${gates.join(' ')}`}
        </div>
      )}
    </div>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  summary: css({ display: 'flex', flexDirection: 'column', gap: theme.spacing(0.25) }),
  row: css({ display: 'flex', alignItems: 'center', flexWrap: 'wrap', gap: theme.spacing(1) }),
  job: css({ fontWeight: theme.typography.fontWeightMedium, overflow: 'hidden', textOverflow: 'ellipsis' }),
  badge: css({
    padding: theme.spacing(0, 0.75),
    borderRadius: theme.shape.radius.pill,
    fontSize: theme.typography.bodySmall.fontSize,
    border: `1px solid`,
  }),
  active: css({ color: theme.colors.success.text, borderColor: theme.colors.success.border }),
  advisor: css({ color: theme.colors.info.text, borderColor: theme.colors.info.border }),
  workers: css({ color: theme.colors.text.secondary, fontSize: theme.typography.bodySmall.fontSize }),
  spacer: css({ flex: 1 }),
  headline: css({ fontSize: theme.typography.h5.fontSize, fontWeight: theme.typography.fontWeightMedium }),
  compactHeadline: css({
    fontSize: theme.typography.body.fontSize,
    lineHeight: theme.typography.body.lineHeight,
  }),
  up: css({ color: theme.colors.error.text }),
  down: css({ color: theme.colors.success.text }),
  steady: css({ color: theme.colors.text.primary }),
  note: css({ fontSize: theme.typography.bodySmall.fontSize, color: theme.colors.text.secondary }),
  reasons: css({ fontSize: theme.typography.bodySmall.fontSize, color: theme.colors.text.primary }),
  list: css({ margin: 0, paddingLeft: theme.spacing(2) }),
  gates: css({ fontSize: theme.typography.bodySmall.fontSize, color: theme.colors.warning.text }),
});
