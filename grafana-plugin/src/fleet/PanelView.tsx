/** The panel's component: one job (FlinkAutoscalerPanel) or, with the option view: fleet, the fleet view. */
import type { PanelProps } from '@grafana/data';
import React from 'react';
import { FlinkAutoscalerPanel } from '../components/FlinkAutoscalerPanel';
import type { PanelOptions } from '../types';
import { FleetView } from './FleetView';

export function PanelView(props: PanelProps<PanelOptions>) {
  return props.options.view === 'fleet' ? <FleetView {...props} /> : <FlinkAutoscalerPanel {...props} />;
}
