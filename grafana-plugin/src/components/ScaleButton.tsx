/**
 * "Scale to N" in the panel's head: enabled only when the person may scale, as the gateway answered for
 * the person (GET …/scale/access) and as Grafana's role allows (the POST route needs Editor); disabled with
 * the reason otherwise. It always says who the gateway thinks the person is.
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
        icon="sliders-v-alt"
        disabled={!enabled}
        tooltip={enabled ? undefined : text}
        onClick={onClick}
        data-testid={TEST_IDS.scaleButton}
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
