/**
 * "Scale to N" in the panel's head, with who the gateway thinks the person is and, when they may not scale
 * (the gateway's answer to GET …/scale/access for the person, or a Grafana role below Editor, which the
 * POST route needs), why. The button opens the dialog either way, so everyone can see what N workers would
 * do; the dialog's own "Scale to N" is disabled with the same reason.
 */
import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { Button, useStyles2 } from '@grafana/ui';
import React from 'react';
import { roleName, type ScaleRole } from '../api/role';
import { TEST_IDS } from '../testIds';
import { accessText, mayClick, type AccessState } from './useScaleAccess';

export interface ScaleButtonProps {
  role: ScaleRole;
  access: AccessState;
  onClick: () => void;
}

/** Why a viewer cannot scale, whatever Kubernetes allows. */
export function viewerText(access: AccessState): string {
  const who = access.state === 'known' ? ` The gateway knows you as ${access.access.user}.` : '';
  return `Scaling through Grafana needs the Editor role (you are ${roleName()}).${who}`;
}

export function ScaleButton({ role, access, onClick }: ScaleButtonProps) {
  const styles = useStyles2(getStyles);
  const enabled = role === 'editor' && mayClick(access);
  const text = role === 'editor' ? accessText(access) : viewerText(access);
  return (
    <span className={styles.wrap}>
      <Button
        size="sm"
        variant="secondary"
        icon={enabled ? 'sliders-v-alt' : 'lock'}
        title={enabled ? 'Scale this job by hand' : text}
        onClick={onClick}
        data-testid={TEST_IDS.scaleButton}
        data-allowed={enabled ? 'true' : 'false'}
      >
        Scale to N
      </Button>
      <span
        className={enabled ? styles.who : styles.why}
        title={text}
        data-testid={TEST_IDS.scaleAccess}
        data-allowed={enabled ? 'true' : 'false'}
      >
        {text}
      </span>
    </span>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  wrap: css({ display: 'inline-flex', alignItems: 'center', gap: theme.spacing(1), minWidth: 0 }),
  who: css({ color: theme.colors.text.secondary, fontSize: theme.typography.bodySmall.fontSize }),
  why: css({
    color: theme.colors.warning.text,
    fontSize: theme.typography.bodySmall.fontSize,
    maxWidth: 420,
    overflow: 'hidden',
    textOverflow: 'ellipsis',
    whiteSpace: 'nowrap',
  }),
});
